"""Test-only admin API under /_emulator/ (separate bearer token): settings, faults, request log, helpers."""

import hmac
import json

from . import identity
from .config import CHOICE_SETTINGS, DEFAULT_SETTINGS
from .httpcore import ArmError, Response
from .throttle import DEFAULT_SETTINGS as THROTTLE_SETTINGS

PREFIX = '/_emulator'


def routes(router, app):
    def guarded(handler):
        def wrapped(req):
            sent = (req.header('Authorization') or '')[len('Bearer '):]
            if not hmac.compare_digest(sent.encode(), app.config.admin_token.encode()):
                raise ArmError(401, 'AdminAuthenticationFailed', 'The admin API needs "Authorization: Bearer <admin token>".')
            return handler(app, req)
        return wrapped
    router.add('GET', PREFIX + '/health', lambda req: Response(200, {'status': 'ok'}))
    router.add('GET', PREFIX + '/info', guarded(info))
    router.add('GET PATCH', PREFIX + '/settings', guarded(settings))
    router.add('GET POST DELETE', PREFIX + '/faults', guarded(faults))
    router.add('DELETE', PREFIX + r'/faults/(?P<id>\d+)', guarded(delete_fault))
    router.add('GET DELETE', PREFIX + '/requests', guarded(requests_log))
    router.add('GET', PREFIX + '/migrations', guarded(migrations))
    router.add('POST', PREFIX + '/federated-assertion', guarded(federated_assertion))


def _json(req):
    try:
        value = json.loads((req.body or b'{}').decode('utf-8'))
    except ValueError:
        raise ArmError(400, 'InvalidJson', 'The admin request body is not JSON.')
    if not isinstance(value, dict):
        raise ArmError(400, 'InvalidJson', 'The admin request body must be a JSON object.')
    return value


def info(app, req):
    cfg = app.config
    return Response(200, {'url': app.base_url, 'tenant_id': cfg.tenant_id, 'subscription_id': cfg.subscription_id,
                          'subscription_ids': cfg.subscription_ids,
                          'client_ids': [c['client_id'] for c in cfg.clients],
                          'managed_identity_client_id': cfg.managed_identity['client_id'],
                          'servers': [{'subscription_id': s.subscription_id, 'resource_group': s.resource_group, 'name': s.name,
                                       'host': s.host, 'port': s.port,
                                       'version': s.version, 'location': s.location, 'extensions': s.extensions}
                                      for s in cfg.servers]})


def settings(app, req):
    if req.method == 'PATCH':
        changes = _json(req)
        for key, value in changes.items():
            if key not in DEFAULT_SETTINGS:
                raise ArmError(400, 'InvalidSetting', "Unknown setting '%s'; known: %s." % (key, ', '.join(sorted(DEFAULT_SETTINGS))))
            if key in CHOICE_SETTINGS:
                if value not in CHOICE_SETTINGS[key]:
                    raise ArmError(400, 'InvalidSetting', "Setting '%s' must be one of: %s." % (key, ', '.join(CHOICE_SETTINGS[key])))
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ArmError(400, 'InvalidSetting', "Setting '%s' must be a number >= 0." % key)
        app.settings.update(changes)
        if any(key in THROTTLE_SETTINGS for key in changes):
            app.throttle.reset()  # new limits start from full buckets, whatever earlier tests or runs spent
    return Response(200, dict(app.settings))


def faults(app, req):
    if req.method == 'POST':
        return Response(201, app.faults.add(_json(req)))
    if req.method == 'DELETE':
        app.faults.remove()
        return Response(204)
    return Response(200, {'value': app.faults.list()})


def delete_fault(app, req):
    app.faults.remove(int(req.params['id']))
    return Response(204)


def requests_log(app, req):
    if req.method == 'DELETE':
        app.log.clear()
        return Response(204)
    return Response(200, {'value': app.log.since(int(req.query.get('since', '0') or 0))})


def migrations(app, req):
    return Response(200, {'value': [{'id': m.resource_id(), 'name': m.name, 'state': m.state, 'substate': m.substate,
                                     'deleted': m.deleted} for m in app.store.all()]})


def federated_assertion(app, req):
    """Mint a signed workload-identity assertion for a client's first federated credential (the emulator plays the
    OIDC issuer). Optional: lifetime (seconds, <= 0 for an expired one), issuer / subject / audience overrides."""
    body = _json(req)
    client = app.config.client(body.get('client_id') or app.config.clients[0]['client_id'])
    if client is None or not client.get('federated'):
        raise ArmError(400, 'NoFederatedCredential', 'That client has no federated credential configured.')
    try:
        lifetime = int(body.get('lifetime', 3600))
    except (TypeError, ValueError):
        raise ArmError(400, 'InvalidSetting', "'lifetime' must be a whole number of seconds.")
    overrides = dict((key, body[key]) for key in ('issuer', 'subject', 'audience') if body.get(key))
    token, expires_on = identity.mint_federated_assertion(app, client, lifetime, **overrides)
    return Response(200, {'assertion': token, 'expires_on': expires_on})
