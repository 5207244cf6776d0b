"""Small HTTP building blocks: the parsed request, the response, ARM errors and a regex router."""

import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit


class Request:
    def __init__(self, method, raw_path, headers, body, base_url):
        self.method = method
        parts = urlsplit(raw_path)
        self.path = parts.path
        self.query_string = parts.query
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.query_lower = {k.lower(): v for k, v in self.query.items()}
        self.headers = headers
        self.body = body
        self.base_url = base_url
        self.params = {}
        self.claims = None

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        """The body as a JSON object; ArmError InvalidRequestContent when it is not."""
        if not self.body:
            raise ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: '
                                                         "'the request body is empty'.")
        try:
            value = json.loads(self.body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArmError(400, 'InvalidRequestContent',
                           "The request content was invalid and could not be deserialized: '%s'." % str(exc).split(':', maxsplit=1)[0])
        if not isinstance(value, dict):
            raise ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: '
                                                         "'expected a JSON object'.")
        return value

    def form(self):
        return {k: v[-1] for k, v in parse_qs((self.body or b'').decode('utf-8', 'replace'), keep_blank_values=True).items()}


class Response:
    def __init__(self, status, body=None, headers=None, raw=None, content_type='application/json; charset=utf-8'):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.raw = raw
        self.content_type = content_type

    def payload(self):
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b''
        return json.dumps(self.body, separators=(',', ':')).encode('utf-8')


class DropConnection(Exception):
    """Close the socket without answering (fault injection)."""


class ArmError(Exception):
    """An error answered in the ARM shape {"error": {"code", "message", ...}}."""

    def __init__(self, status, code, message, target=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = headers or {}

    def response(self):
        error = {'code': self.code, 'message': self.message}
        if self.target:
            error['target'] = self.target
        return Response(self.status, {'error': error}, dict(self.headers, **{'x-ms-failure-cause': 'gateway'}))


def request_id():
    return str(uuid.uuid4())


class Router:
    """Maps (method, path regex) to handlers; ARM's fixed path segments are case-insensitive."""

    def __init__(self):
        self._routes = []

    def add(self, methods, pattern, handler):
        self._routes.append((set(methods.split()), re.compile('^' + pattern + '$', re.IGNORECASE), handler))

    def match(self, method, path):
        """Return (handler, params) or (None, allowed_methods)."""
        allowed = set()
        for methods, regex, handler in self._routes:
            found = regex.match(path)
            if found:
                if method in methods:
                    return handler, found.groupdict()
                allowed |= methods
        return None, allowed
