"""The HTTPS server: a threaded stdlib HTTP server, TLS per connection, faults, ARM auth, routing and the log."""

import http.server
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid

from . import admin, arm, configurations, identity
from .engine import Engine
from .faults import Faults, RequestLog
from .httpcore import ArmError, DropConnection, Request, Response, Router
from .resources import Store
from .throttle import Throttle
from .tokens import TokenError, TokenSigner

IDENTITY_PREFIXES = ('/msi/',)
SUBSCRIPTION_PATH = re.compile(r'^/subscriptions/([^/?]+)', re.IGNORECASE)


def subscription_of(path):
    """The subscription a request path names, or None (tenant-level paths such as /subscriptions and /tenants)."""
    match = SUBSCRIPTION_PATH.match(path)
    return match.group(1) if match else None


class App:
    """Everything one emulator instance holds; handlers receive it."""

    def __init__(self, config, base_url):
        self.config = config
        self.base_url = base_url
        self.settings = dict(config.settings)
        self.signer = TokenSigner('https://sts.emulator.local')
        self.store = Store()
        self.engine = Engine(self)
        self.faults = Faults()
        self.log = RequestLog()
        self.throttle = Throttle(self.settings, config.subscription_id)
        self.router = Router()
        admin.routes(self.router, self)
        self.router.add('GET', r'/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration', lambda r: identity.openid_configuration(self, r))
        self.router.add('POST', r'/(?P<tenant>[^/]+)/oauth2/v2\.0/token', lambda r: identity.token(self, r))
        self.router.add('GET', r'/msi/token', lambda r: identity.managed_identity(self, r))
        self.router.add('GET', r'/metadata/endpoints', lambda r: identity.metadata_endpoints(self, r))
        arm.routes(self.router, self)
        configurations.routes(self.router, self)  # server parameters (configurations.py)

    @staticmethod
    def scope_of(path):
        if path.startswith(admin.PREFIX + '/'):
            return 'admin'
        if path.startswith(IDENTITY_PREFIXES) or '/oauth2/' in path or '/.well-known/' in path:
            return 'identity'
        if path.startswith('/metadata/'):
            return 'metadata'
        return 'arm'

    def authenticate(self, req):
        header = req.header('Authorization') or ''
        challenge = 'Bearer authorization_uri="%s/%s", error="invalid_token", error_description="%%s"' % (
            self.base_url, self.config.tenant_id)
        if not header.startswith('Bearer '):
            raise ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.",
                           headers={'WWW-Authenticate': challenge % 'The authentication failed because of missing Authorization header.'})
        try:
            req.claims = self.signer.verify(header[7:].strip(), identity.audiences(self))
        except TokenError as exc:
            raise ArmError(401, exc.code, exc.message, headers={'WWW-Authenticate': challenge % exc.message})

    def handle(self, req):
        """Answer one request (faults, auth, routing); raises DropConnection for a dropped-connection fault."""
        scope = self.scope_of(req.path)
        if scope != 'admin':
            latency, action = self.faults.decide('identity' if scope == 'identity' else 'arm', req.method, req.path)
            if latency:
                time.sleep(latency)
            if action is not None:
                return self._fault_response(action, scope)
        try:
            if scope == 'arm':
                self.authenticate(req)
                # ARM throttles per subscription and principal, after auth.
                req.ratelimit = self.throttle.take(req.claims, req.method, subscription_of(req.path))
            handler, params = self.router.match(req.method, req.path)
            if handler is None:
                if params:
                    raise ArmError(405, 'MethodNotAllowed', "The requested method '%s' is not allowed for '%s'." % (req.method, req.path))
                raise ArmError(404, 'InvalidResourceType' if scope == 'arm' else 'NotFound',
                               "The resource type could not be found for path '%s'." % req.path)
            req.params = params
            return handler(req)
        except ArmError as exc:
            return exc.response()

    @staticmethod
    def _fault_response(rule, scope):
        kind = rule['kind']
        if kind == 'drop':
            raise DropConnection()
        if kind in ('throttle', 'bucket'):
            return ArmError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type '
                                                    '- Read_ObservationWindow_00:05:00. Please retry after %d seconds.'
                            % rule['retry_after'], headers={'Retry-After': str(rule['retry_after'])}).response()
        if kind == 'token_outage' or scope == 'identity':
            status = rule.get('status', 503)
            body = {'error': 'temporarily_unavailable', 'error_codes': [90033],
                    'error_description': 'AADSTS90033: A transient error has occurred. Please try again.'}
            return Response(status, body, headers={'Retry-After': '1'})
        headers = {'Retry-After': str(rule['retry_after'])} if rule.get('retry_after') is not None else {}
        return ArmError(rule['status'], rule['code'], 'The service encountered an internal error (injected fault %d). Please retry.'
                        % rule['id'], headers=headers).response()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True  # headers and body go out as separate writes; Nagle would add ~40 ms per answer
    server_version = 'pgflex-emulator'
    sys_version = ''

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass  # the request log (admin API) replaces stderr chatter

    def _serve(self):
        app = self.server.app
        started_wall, started = time.time(), time.monotonic()
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        req = Request(self.command, self.path, self.headers, body, app.base_url)
        try:
            response = app.handle(req)
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._log(app, req, 0, started_wall, started)
            return
        except Exception as exc:  # pylint: disable=broad-except
            log_exception('unhandled %s on %s %s' % (type(exc).__name__, self.command, req.path), exc)
            response = ArmError(500, 'InternalServerError', 'The emulator failed to process the request.').response()
        payload = response.payload()
        self.send_response(response.status)
        request_id = str(uuid.uuid4())
        headers = {'Content-Type': response.content_type, 'Content-Length': str(len(payload)) if self.command != 'HEAD' else '0',
                   'x-ms-request-id': request_id, 'x-ms-correlation-request-id': request_id, 'Cache-Control': 'no-cache'}
        if app.scope_of(req.path) == 'arm':
            # ARM's throttling budget headers (the real defaults unless a token-bucket fault sets a tighter budget).
            reads = self.command in ('GET', 'HEAD')
            left = app.faults.remaining()
            kind, bucket_left = getattr(req, 'ratelimit', None) or (None, None)
            if bucket_left is not None:
                headers['x-ms-ratelimit-remaining-subscription-%s' % kind] = str(bucket_left)
            else:
                headers['x-ms-ratelimit-remaining-subscription-%s' % ('reads' if reads else 'writes')] = str(
                    left if left is not None else (11999 if reads else 1199))
        headers.update(response.headers)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != 'HEAD' and payload:
            self.wfile.write(payload)
        self._log(app, req, response.status, started_wall, started)

    @staticmethod
    def _log(app, req, status, started_wall, started):
        scope = app.scope_of(req.path)
        if scope != 'admin':
            app.log.add(scope, req.method, req.path, req.query_string, status, started_wall, time.monotonic() - started)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _serve


class TlsThreadingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, app, context):
        self.app = app
        self.context = context
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, so a slow client never blocks accept().
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


def serve(config, cert_file, key_file, ready):
    """Bind, then call ready(app) and serve forever."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    server = TlsThreadingServer((config.host, config.port), None, context)
    port = server.server_address[1]
    app = App(config, 'https://%s:%d' % (config.host, port))
    server.app = app
    ready(app)
    thread = threading.current_thread()
    thread.name = 'emulator-accept'
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def log_exception(what, exc):
    """Where it failed, for whoever debugs the emulator: frames only, never the message (it could quote input)."""
    print('emulator: %s\n%s' % (what, ''.join(traceback.format_tb(exc.__traceback__))), file=sys.stderr, flush=True)


def dump_json(path, value):
    """Write JSON atomically, readable by the owner only (it may hold test credentials)."""
    with open(os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='utf-8') as handle:
        json.dump(value, handle, indent=2)
    os.replace(path + '.tmp', path)
