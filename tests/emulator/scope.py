"""The ARM scope a request names: its subscription and resource group, resolved once, with ARM's 404s for unknown ones.

Every served subscription is open to every principal: one token is valid for all of them."""

from .httpcore import ArmError


def subscription(app, req):
    """The request's subscription as configured; ARM's 404 SubscriptionNotFound for one the emulator does not serve."""
    sub = app.config.subscription(req.params['sub'])
    if sub is None:
        raise ArmError(404, 'SubscriptionNotFound', "The subscription '%s' could not be found." % req.params['sub'])
    return sub


def resource_group(app, req):
    """(subscription, resource group name as configured, its settings); ARM's 404 for an unknown one of either."""
    sub = subscription(app, req)
    name, group = app.config.resource_group(req.params['rg'], sub)
    if group is None:
        raise ArmError(404, 'ResourceGroupNotFound', "Resource group '%s' could not be found." % req.params['rg'])
    return sub, name, group
