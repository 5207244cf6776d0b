# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that talks to the migrations API.

MigrationClient sends the ARM REST calls through an azure-core pipeline (bearer token, user agent, our
retry policy; imported lazily, only when the first call is made), speaks REST JSON (camelCase dicts) in
and out, retries throttled and failed requests - token requests included - within a deadline, caps every
request's connect and read timeouts at the time left (a slow answer never outlives the task's budget),
and turns every azure-core / azure-identity error into AzureApiError. The generated SDK client
(azure-mgmt-postgresqlflexibleservers) is not used: it only turned the same JSON into models and back,
and its import cost every module process about 0.1 s (docs/performance.md).

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import random
import re
import time
from urllib.parse import parse_qsl, quote, urlencode, urlparse, urlsplit, urlunsplit

from ansible_collections.pgflex.migration.plugins.module_utils.errors import (
    AzureApiError, RETRY_STATUSES, from_azure_exception, retry_after_seconds, retryable_status, seconds_text,
)
from ansible_collections.pgflex.migration.plugins.module_utils.version import user_agent

__all__ = ['API_VERSION', 'AzureApiError', 'MigrationClient', 'OPERATIONS', 'DeadlineRetryPolicy', 'RETRY_STATUSES', 'fetch_json', 'shared_transport']

MIGRATION_TYPE = 'Microsoft.DBforPostgreSQL/flexibleServers/migrations'
# The api-version the modules speak: that of azure-mgmt-postgresqlflexibleservers 3.0.0, which the design chose.
API_VERSION = '2026-10-01'
SERVER_PATH = '/subscriptions/{}/resourceGroups/{}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{}'
# The ARM operations the client makes (named as in the SDK and the REST spec): method, path, statuses meaning success.
# docs/azure-role-definition.json grants exactly their actions (a unit test checks it).
OPERATIONS = {
    'servers.get': ('GET', SERVER_PATH, (200,)),
    'migrations.get': ('GET', SERVER_PATH + '/migrations/{}', (200,)),
    'migrations.list_by_target_server': ('GET', SERVER_PATH + '/migrations', (200,)),
    'migrations.create': ('PUT', SERVER_PATH + '/migrations/{}', (200, 201)),
    'migrations.update': ('PATCH', SERVER_PATH + '/migrations/{}', (200,)),
    'migrations.cancel': ('DELETE', SERVER_PATH + '/migrations/{}', (200, 204)),
    'migrations.check_name_availability': ('POST', SERVER_PATH + '/checkMigrationNameAvailability', (200,)),
    'configurations.get': ('GET', SERVER_PATH + '/configurations/{}', (200,)),
    'configurations.put': ('PUT', SERVER_PATH + '/configurations/{}', (200, 201, 202)),
}
LRO_POLL_INTERVAL = 30  # seconds between polls of a long-running operation when the service gives no Retry-After
DEFAULT_RETRY_TIMEOUT = 120  # seconds one call may spend retrying throttled or failed requests
LIST_FILTERS = {'all': 'All', 'active': 'Active'}


def sign_in_status(exc):
    """The HTTP status of a failed token request, or None.

    azure-identity keeps the response for some credentials; for others MSAL raised first and only its text
    ("HTTP Error: 503", in the exception or its cause) carries the status.
    """
    status = getattr(exc, 'status_code', None)
    if status is None:
        status = getattr(getattr(exc, 'response', None), 'status_code', None)
    if status is None:
        match = re.search(r'HTTP Error: (\d{3})\b', '%s %s' % (exc, getattr(exc, '__cause__', None) or ''))
        status = int(match.group(1)) if match else None
    return status


def _chain(exc):
    """The exception and the ones it was raised from (azure-identity wraps the transport's error)."""
    chain = []
    while exc is not None and exc not in chain and len(chain) < 10:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def sign_in_unanswered(exc):
    """A token or discovery request that got no answer: no connection, a dropped one, or no answer in time."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError  # pylint: disable=import-outside-toplevel
    chain = _chain(exc)
    if any(getattr(cause, 'no_time_left', False) for cause in chain):
        return False  # the budget ran out before the request was sent: not the endpoint's fault
    return any(isinstance(cause, (ServiceRequestError, ServiceResponseError)) for cause in chain[1:])


def retryable_sign_in_failure(exc):
    """A token request that failed the way ARM calls are retried: 408/429/5xx or no answer (an Entra ID outage).

    A credential that cannot work on this host (no managed identity endpoint, no `az`) is not retried.
    """
    try:
        from azure.identity import CredentialUnavailableError  # pylint: disable=import-outside-toplevel
    except ImportError:
        CredentialUnavailableError = ()  # pylint: disable=invalid-name
    if CredentialUnavailableError and isinstance(exc, CredentialUnavailableError):
        return False
    return sign_in_status(exc) in RETRY_STATUSES or sign_in_unanswered(exc)


class DeadlineRetryPolicy(object):
    """azure-core pipeline policy: retry 408/429/5xx, connection errors and token-endpoint outages until a deadline.

    Honours Retry-After; without it backs off exponentially (base_delay * 2^n, capped at max_delay,
    with jitter). Gives up - returning the last response or raising the last error - as soon as the
    next wait would end past the deadline, so a call never outlives its budget. While a call runs,
    ``current_deadline`` tells the transport how long one request may take.
    """

    def __init__(self, deadline_fn, sleep=time.sleep, clock=time.monotonic, base_delay=1.0, max_delay=30.0):
        self.next = None  # set by the azure-core Pipeline
        self._deadline_fn = deadline_fn
        self._sleep = sleep
        self._clock = clock
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.attempts = 0  # of the last request, for error messages
        self.current_deadline = None
        self.gave_up_at = None  # the deadline that stopped the last call's retries, for error messages
        self.refused_retry_after = None  # a Retry-After that did not fit before that deadline, for error messages

    def backoff(self, attempt):
        delay = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        return delay * (0.8 + 0.4 * random.random())  # jitter so parallel tasks spread out

    def _wait_fits(self, delay, deadline):
        return self._clock() + delay <= deadline

    def send(self, request):
        deadline = self._deadline_fn()
        self.attempts = 0
        self.gave_up_at = None
        self.refused_retry_after = None
        self.current_deadline = deadline
        try:
            return self._send(request, deadline)
        finally:
            self.current_deadline = None

    def _send(self, request, deadline):
        from azure.core.exceptions import (  # pylint: disable=import-outside-toplevel
            ClientAuthenticationError, ServiceRequestError, ServiceResponseError,
        )
        while True:
            self.attempts += 1
            try:
                response = self.next.send(request)
            except (ServiceRequestError, ServiceResponseError, ClientAuthenticationError) as exc:
                # The authentication policy runs after this one: a token endpoint answering 503 lands here.
                if isinstance(exc, ClientAuthenticationError) and not retryable_sign_in_failure(exc):
                    raise
                if not self._wait(getattr(getattr(exc, 'response', None), 'headers', None), deadline):
                    raise
                continue
            http_response = response.http_response
            if http_response.status_code not in RETRY_STATUSES:
                return response
            if not self._wait(http_response.headers, deadline):
                return response

    def _wait(self, headers, deadline):
        """Wait before the next attempt (Retry-After, else backoff); False when that wait would end past the deadline."""
        asked = retry_after_seconds(headers)
        delay = self.backoff(self.attempts) if asked is None else asked
        if not self._wait_fits(delay, deadline):
            self.gave_up_at = deadline
            self.refused_retry_after = asked
            return False
        self._sleep(delay)
        return True


def deadline_transport_class():
    """RequestsTransport whose connect and read timeouts never run past ``deadline_fn()`` (built lazily: azure-core import)."""
    from azure.core.exceptions import ServiceResponseTimeoutError  # pylint: disable=import-outside-toplevel
    from azure.core.pipeline.transport import RequestsTransport  # pylint: disable=import-outside-toplevel

    class DeadlineTransport(RequestsTransport):
        deadline_fn = None  # returns an absolute time.monotonic() value or None; set by MigrationClient
        clock = staticmethod(time.monotonic)
        last_url = None  # of the last request sent: a failed sign-in names its endpoint from it

        def send(self, request, **kwargs):  # pylint: disable=arguments-differ
            self.last_url = request.url
            deadline = self.deadline_fn() if self.deadline_fn else None
            if deadline is not None:
                left = deadline - self.clock()
                if left <= 0:
                    error = ServiceResponseTimeoutError('no time left in the task\'s time budget for another request')
                    error.no_time_left = True
                    raise error
                kwargs['connection_timeout'] = min(kwargs.get('connection_timeout') or self.connection_config.timeout, left)
                kwargs['read_timeout'] = min(kwargs.get('read_timeout') or self.connection_config.read_timeout, left)
            return super(DeadlineTransport, self).send(request, **kwargs)
    return DeadlineTransport


def shared_transport(verify=True, session=None):
    """(azure-core transport, requests session) that the credential, the metadata lookup and the API
    calls can share, so a task opens one TLS connection per host instead of one per component.
    Given a session, a transport of its own (its own deadline) over that session's connections."""
    import requests  # pylint: disable=import-outside-toplevel
    if session is None:
        session = requests.Session()
        session.verify = verify
    kwargs = {} if verify else {'connection_verify': False}
    return deadline_transport_class()(session=session, session_owner=False, **kwargs), session


class StaleCachedTokenPolicy(object):
    """azure-core pipeline policy: a 401 without a claims challenge to a token from the token cache (revoked, or
    signed by a key the service no longer trusts) forgets that cache entry and sends the request once more, so the
    bearer policy below signs in afresh. A claims challenge is the bearer policy's; a second 401 is the answer.
    """

    def __init__(self, credential):
        self.next = None  # set by the azure-core Pipeline
        self._credential = credential

    def send(self, request):
        response = self.next.send(request)
        answer = response.http_response
        if (answer.status_code == 401 and 'insufficient_claims' not in answer.headers.get('WWW-Authenticate', '')
                and self._credential.forget_served_token()):
            response = self.next.send(request)
        return response


def arm_pipeline(credential, scope, retry_policy, transport=None, verify=True):
    """The azure-core pipeline of the ARM calls: the policies of the SDK's client that these calls need.

    Left out: azure-mgmt-core's resource provider registration (a subscription holding a flexible server has the
    provider registered), logging and tracing policies (nothing in a module process reads them).
    """
    # pylint: disable=import-outside-toplevel
    from azure.core.pipeline import Pipeline
    from azure.core.pipeline.policies import (
        BearerTokenCredentialPolicy, RedirectPolicy, RequestIdPolicy, SensitiveHeaderCleanupPolicy, UserAgentPolicy,
    )
    if transport is None:
        from azure.core.pipeline.transport import RequestsTransport
        transport = RequestsTransport(connection_verify=verify)
    stale_token = [StaleCachedTokenPolicy(credential)] if hasattr(credential, 'forget_served_token') else []
    return Pipeline(transport, policies=[
        RequestIdPolicy(),
        UserAgentPolicy(user_agent=user_agent()),
        RedirectPolicy(),
        retry_policy,
    ] + stale_token + [
        # Continuous access evaluation challenges (401 with claims) are answered here, as azure-mgmt-core does.
        BearerTokenCredentialPolicy(credential, scope),
        SensitiveHeaderCleanupPolicy(),  # no Authorization header on a redirect to another host
    ])


def quote_segment(value):
    """A path segment as the SDK quotes it: every reserved character escaped."""
    return quote(str(value), safe='')


def arm_request(method, url, query=None, body=None):
    """An azure-core HttpRequest asking for JSON (with a JSON body when given)."""
    from azure.core.rest import HttpRequest  # pylint: disable=import-outside-toplevel
    kwargs = {} if body is None else {'json': body}
    return HttpRequest(method, url, params=query or {}, headers={'Accept': 'application/json'}, **kwargs)


def checked(answer, statuses):
    """The pipeline response ``answer``; HttpResponseError when its status is not one of ``statuses``."""
    from azure.core.exceptions import HttpResponseError  # pylint: disable=import-outside-toplevel
    if answer.http_response.status_code not in statuses:
        raise HttpResponseError(response=answer.http_response)
    return answer


def response_json(response):
    """The JSON body of an answer, or None when it has none (204, an empty 200)."""
    return response.json() if response.content else None


class OutOfTime(Exception):
    """A request that got no answer within the task's time budget."""


def _get_json(session, url, verify, timeout):
    response = session.get(url, verify=verify, timeout=timeout, headers={'Accept': 'application/json'})
    response.raise_for_status()
    return response.json()


def fetch_json(url, verify=True, timeout=30, session=None, deadline=None, clock=time.monotonic):
    """GET a URL and parse its JSON body (requests is already a dependency of azure-core).

    The request takes at most ``timeout`` seconds and, with ``deadline`` (an absolute ``clock()`` value),
    ends by then: OutOfTime when the time left was not enough. Pass the session the API calls use, so
    they reuse its connection instead of a new TLS handshake.
    """
    import requests  # pylint: disable=import-outside-toplevel
    if session is None:
        session = requests
    left = None if deadline is None else deadline - clock()
    if left is None or left >= timeout:
        return _get_json(session, url, verify, timeout)
    if left <= 0:
        raise OutOfTime("no time left in the task's time budget for it")
    try:
        return _get_json(session, url, verify, left)
    except requests.exceptions.Timeout:
        raise OutOfTime("no answer within %s s, the time left in the task's time budget" % seconds_text(left))


class MigrationClient(object):
    """Migrations (and the parent flexible server) of one subscription, as REST JSON.

    retry_timeout: seconds each call may spend retrying throttling / 5xx / connection errors.
    deadline: optional absolute time.monotonic() value no call may run past (set with set_budget).
    connect: when ``cloud`` and ``credential`` are None, ``connect(fetch)`` returns them on the first call,
    within that call's budget; ``fetch(url, verify=...)`` reads a JSON document (the cloud's metadata) in it.
    """

    def __init__(self, credential, subscription_id, cloud, verify=True, retry_timeout=DEFAULT_RETRY_TIMEOUT,
                 api_version=API_VERSION, transport=None, sleep=time.sleep, clock=time.monotonic, connect=None, session=None):
        self.subscription_id = subscription_id
        self.cloud = cloud
        self.retry_timeout = retry_timeout
        self.deadline = None
        self.not_before = None  # clock() value before which the service asked for no request (Retry-After)
        self._connect = connect
        self._session = session
        self._credential = credential
        self._verify = verify
        self._api_version = api_version
        self._transport = transport
        self._clock = clock
        self.retry_policy = DeadlineRetryPolicy(self._call_deadline, sleep=sleep, clock=clock)
        self.budget_option = None  # the option that set the deadline, for messages
        self._pipeline = None
        if transport is not None and hasattr(transport, 'deadline_fn'):
            # One request (a token request included) may take only what is left of the call's deadline.
            transport.deadline_fn = lambda: self.retry_policy.current_deadline
            transport.clock = clock

    def set_budget(self, deadline, option):
        """No call may run past ``deadline`` (time.monotonic()); ``option`` (e.g. wait_timeout) is named on give-up."""
        self.deadline = deadline
        self.budget_option = option

    def _call_deadline(self):
        deadline = self._clock() + self.retry_timeout
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        return deadline

    def retry_after_left(self):
        """Seconds the service still asks us to wait before the next request (its last Retry-After), or None."""
        if self.not_before is None:
            return None
        left = self.not_before - self._clock()
        return left if left > 0 else None

    def fetch_json(self, url, verify=True):
        """A JSON document (the cloud's metadata), read within the budget of a call."""
        deadline = self._call_deadline()
        try:
            return fetch_json(url, verify=verify, session=self._session, deadline=deadline, clock=self._clock)
        except OutOfTime as exc:
            if deadline == self.deadline and self.budget_option:
                raise OutOfTime('%s, %s; raise %s if the endpoint is only slow' % (exc, self.budget_option, self.budget_option))
            raise

    @property
    def pipeline(self):
        """The azure-core pipeline (user agent, our retry policy, bearer token, the transport), built on first use."""
        if self._pipeline is None:
            if self.cloud is None:
                self.cloud, self._credential = self._connect(self.fetch_json)
            self._pipeline = arm_pipeline(self._credential, self.cloud.audience + '.default', self.retry_policy,
                                          self._transport, self._verify)
        return self._pipeline

    def _request(self, operation, resource_group, server, name=None, body=None, params=None):
        """The pipeline response of one operation of OPERATIONS; HttpResponseError when its status is not a success."""
        pipeline = self.pipeline  # signs in and learns the cloud (the URL's host) on the first call
        method, path, statuses = OPERATIONS[operation]
        url = self.cloud.resource_manager.rstrip('/') + path.format(
            *[quote_segment(part) for part in (self.subscription_id, resource_group, server, name) if part is not None])
        query = {'api-version': self._api_version}
        query.update(params or {})
        return checked(pipeline.run(arm_request(method, url, query, body)), statuses)

    def _rest(self, operation, resource_group, server, name=None, body=None, params=None):
        """REST JSON of one operation (None for an empty answer, such as 204)."""
        return response_json(self._request(operation, resource_group, server, name, body, params).http_response)

    def _call(self, action, fn, *args, **kwargs):
        from azure.core.exceptions import AzureError, ClientAuthenticationError  # pylint: disable=import-outside-toplevel
        try:
            return fn(*args, **kwargs)
        except AzureError as exc:
            error = from_azure_exception(exc, action)
            if error.retry_after is not None:
                self.not_before = self._clock() + error.retry_after
            if isinstance(exc, ClientAuthenticationError) and retryable_sign_in_failure(exc):
                error.message = '%s failed: %s' % (action, self._sign_in_outage_text(exc))
            if retryable_status(error.status):
                error.message += self._give_up_text()
            raise error

    def _sign_in_outage_text(self, exc):
        """A sign-in endpoint that failed until the deadline: say which one, and that the credentials were not judged."""
        url = getattr(self._transport, 'last_url', None) or (self.cloud.authority if self.cloud else '')
        endpoint = urlparse(url).netloc or url
        status = sign_in_status(exc)
        how = 'it answered HTTP %d' % status if status is not None else 'it did not answer'
        return ('the sign-in endpoint %s is unavailable (%s), so no access token could be obtained; this is an outage '
                'of the sign-in service, not a problem with the credentials' % (endpoint, how))

    def _give_up_text(self):
        policy = self.retry_policy
        tries = ' after %d attempts' % policy.attempts if policy.attempts > 1 else ''
        by_budget = policy.gave_up_at is not None and policy.gave_up_at == self.deadline and self.budget_option
        asked = ''
        if policy.refused_retry_after is not None:
            asked = ': the service asked to wait %s s before the next request (Retry-After)' % seconds_text(
                policy.refused_retry_after)
        if by_budget:
            return ' (gave up%s as the task\'s time budget, %s, ran out%s; raise %s to retry longer)' % (
                tries, self.budget_option, asked, self.budget_option)
        if asked:
            return ' (gave up%s%s, more than the %s s retry deadline)' % (tries, asked, self.retry_timeout)
        return ' (gave up%s within the %s s retry deadline)' % (tries, self.retry_timeout) if tries else ''

    def get(self, resource_group, server, name):
        """The migration, or None when it does not exist. A missing server is an error."""
        try:
            return self._call("GET migration '%s'" % name, self._rest, 'migrations.get', resource_group, server, name)
        except AzureApiError as exc:
            if exc.status == 404 and exc.code != 'ParentResourceNotFound':
                return None
            raise

    def create(self, resource_group, server, name, body):
        return self._call("PUT migration '%s'" % name, self._rest, 'migrations.create', resource_group, server, name, body)

    def update(self, resource_group, server, name, body):
        return self._call("PATCH migration '%s'" % name, self._rest, 'migrations.update', resource_group, server, name, body)

    def cancel(self, resource_group, server, name):
        """DELETE, which cancels on api-version 2025-08-01 and newer; None on 204."""
        return self._call("DELETE (cancel) migration '%s'" % name, self._rest, 'migrations.cancel', resource_group, server, name)

    def list(self, resource_group, server, list_filter='All'):
        """Every migration of the server (follows nextLink); list_filter is All or Active."""
        wire_filter = LIST_FILTERS.get(str(list_filter).lower(), list_filter)

        def fetch_all():
            page = self._rest('migrations.list_by_target_server', resource_group, server,
                              params={'migrationListFilter': wire_filter}) or {}
            items = list(page.get('value') or [])
            while page.get('nextLink'):
                page = response_json(self._next_page(page['nextLink'])) or {}
                items.extend(page.get('value') or [])
            return items
        return self._call("LIST migrations of server '%s'" % server, fetch_all)

    def _next_page(self, link):
        """The page a nextLink names, asked with our api-version (as the SDK does) and the link's other parameters."""
        parts = urlsplit(link)
        query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key.lower() != 'api-version']
        url = urlunsplit(parts._replace(query=urlencode(query + [('api-version', self._api_version)])))
        return checked(self.pipeline.run(arm_request('GET', url)), (200,)).http_response

    def check_name(self, resource_group, server, name):
        body = {'name': name, 'type': MIGRATION_TYPE}
        return self._call("Check migration name '%s'" % name, self._rest, 'migrations.check_name_availability',
                          resource_group, server, body=body)

    def get_server(self, resource_group, server):
        return self._call("GET flexible server '%s'" % server, self._rest, 'servers.get', resource_group, server)

    def get_configuration(self, resource_group, server, name):
        """One server parameter (REST JSON), or None when the server has no such parameter."""
        try:
            return self._call("GET configuration '%s' of server '%s'" % (name, server), self._rest, 'configurations.get',
                              resource_group, server, name)
        except AzureApiError as exc:
            if exc.status == 404 and exc.code != 'ParentResourceNotFound':
                return None
            raise

    def put_configuration(self, resource_group, server, name, body):
        """Set one server parameter: an ARM long-running operation, followed to its end within the call's deadline."""
        deadline = self._call_deadline()

        def send():
            from azure.core import PipelineClient  # pylint: disable=import-outside-toplevel
            from azure.core.polling import LROPoller  # pylint: disable=import-outside-toplevel
            from azure.mgmt.core.polling.arm_polling import ARMPolling  # pylint: disable=import-outside-toplevel
            initial = self._request('configurations.put', resource_group, server, name, body)
            poller = LROPoller(PipelineClient(self.cloud.resource_manager, pipeline=self.pipeline), initial,
                               lambda final: response_json(final.http_response), ARMPolling(LRO_POLL_INTERVAL))
            return poller.result(timeout=max(deadline - self._clock(), 0.001))
        return self._call("PUT configuration '%s' of server '%s'" % (name, server), send)
