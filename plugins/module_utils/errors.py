# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception for every failed Azure call, carrying what a support ticket needs.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import email.utils
import json
import re
import time

REQUEST_ID_HEADER = 'x-ms-request-id'
CORRELATION_ID_HEADER = 'x-ms-correlation-request-id'


# Statuses worth another try: a timeout, throttling and the 5xx that mean "not now" (ARM's retry guidance).
RETRY_STATUSES = frozenset([408, 429, 500, 502, 503, 504])


def retryable_status(status):
    """An API failure worth another try: one of RETRY_STATUSES, or no answer at all (None)."""
    return status is None or status in RETRY_STATUSES


class AzureApiError(Exception):
    """A failed call to Azure (ARM or Entra ID), whatever layer raised it.

    Attributes: status (HTTP status or None when no response arrived), code (ARM or AADSTS error
    code or None), message, request_id and correlation_id (response headers, or None), and
    retry_after (seconds the service asked to wait before the next request, or None).
    """

    def __init__(self, message, status=None, code=None, request_id=None, correlation_id=None, retry_after=None):
        super(AzureApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.retry_after = retry_after

    def __str__(self):
        details = []
        if self.status is not None:
            details.append('HTTP %s' % self.status)
        if self.code:
            details.append('code %s' % self.code)
        if self.request_id:
            details.append('%s %s' % (REQUEST_ID_HEADER, self.request_id))
        if self.correlation_id:
            details.append('%s %s' % (CORRELATION_ID_HEADER, self.correlation_id))
        if not details:
            return self.message
        return '%s (%s)' % (self.message, ', '.join(details))

    def as_dict(self):
        """The error as plain data for a module result (never contains secrets)."""
        return {
            'status': self.status,
            'code': self.code,
            'message': self.message,
            'request_id': self.request_id,
            'correlation_id': self.correlation_id,
        }


def seconds_text(seconds):
    """11.566 -> '11.6', 100.0 -> '100': seconds as a person reads them."""
    return ('%.1f' % float(seconds)).rstrip('0').rstrip('.')


def retry_after_seconds(headers, now=None):
    """Seconds the service asked us to wait (retry-after-ms, x-ms-retry-after-ms, Retry-After), or None.

    The same headers, in the same order, as azure-core's own retry policy reads; Retry-After may be
    seconds or an HTTP date.
    """
    if not headers:
        return None
    for name in ('retry-after-ms', 'x-ms-retry-after-ms'):
        value = headers.get(name)
        if value:
            try:
                return max(float(value) / 1000.0, 0.0)
            except ValueError:
                pass
    value = headers.get('Retry-After')
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)  # HTTP-date form
    if parsed is None:
        return None
    now = time.time() if now is None else now
    return max(email.utils.mktime_tz(parsed) - now, 0.0)


# requests/urllib3 say "Read timed out. (read timeout=11.566540761999931)": the timeout is ours (the time left).
_POOL = r"HTTPS?ConnectionPool\(host='(?P<host>[^']*)', port=(?P<port>\d+)\): "
_READ_TIMEOUT = re.compile(_POOL + r"Read timed out\. \(read timeout=(?P<seconds>[0-9.]+)\)")
_TIMEOUT_VALUE = re.compile(r"\((?P<kind>read|connect) timeout=(?P<seconds>[0-9.]+)\)")


def _read_timeout_text(match):
    return 'no answer from %s:%s within %s s' % (match.group('host'), match.group('port'), seconds_text(match.group('seconds')))


def _timeout_value_text(match):
    waited_for = 'answer' if match.group('kind') == 'read' else 'connection'
    return '(no %s within %s s)' % (waited_for, seconds_text(match.group('seconds')))


def readable_network_text(text):
    """A network error's text with its timeouts in rounded seconds ("no answer from host:port within 11.6 s")."""
    return _TIMEOUT_VALUE.sub(_timeout_value_text, _READ_TIMEOUT.sub(_read_timeout_text, text))


def _header(response, name):
    headers = getattr(response, 'headers', None)
    if not headers:
        return None
    try:
        return headers.get(name)
    except AttributeError:
        return None


def _arm_error_body(response):
    """(code, message) from an ARM error body {"error": {"code", "message"}}, or (None, None)."""
    if response is None:
        return None, None
    try:
        body = json.loads(response.text())
    except (ValueError, TypeError, AttributeError):
        return None, None
    error = body.get('error') if isinstance(body, dict) else None
    if not isinstance(error, dict):
        # Entra ID token errors: {"error": "invalid_client", "error_description": "AADSTS7000215: ..."}
        if isinstance(body, dict) and isinstance(body.get('error'), str):
            return body.get('error'), body.get('error_description')
        return None, None
    return error.get('code'), error.get('message')


def _first_line(text):
    text = (text or '').strip()
    return text.splitlines()[0].strip() if text else ''


def _aadsts_code(text):
    """The AADSTSnnnn code inside an Entra ID message, if any."""
    for word in (text or '').replace(':', ' ').split():
        if word.startswith('AADSTS') and word[6:].isdigit():
            return word
    return None


def from_azure_exception(exc, action=None):
    """Turn any azure-core / azure-identity exception into an AzureApiError.

    ``action`` (e.g. "GET migration 'm1'") prefixes the message so the user knows what failed.
    """
    response = getattr(exc, 'response', None)
    status = getattr(exc, 'status_code', None)
    if status is None and response is not None:
        status = getattr(response, 'status_code', None)

    code = None
    message = None
    odata = getattr(exc, 'error', None)
    if odata is not None:
        code = getattr(odata, 'code', None)
        message = getattr(odata, 'message', None)
    if not code or not message:
        body_code, body_message = _arm_error_body(response)
        code = code or body_code
        message = message or body_message
    if not message:
        message = _first_line(getattr(exc, 'message', None) or str(exc)) or type(exc).__name__
    message = readable_network_text(message)
    # Entra answers with OAuth codes such as invalid_client; the AADSTS code in its text is the one that
    # names the cause (wrong secret, unknown subject, expired assertion), so it wins.
    code = _aadsts_code(message) or code

    if action:
        message = '%s failed: %s' % (action, message)
    return AzureApiError(
        message,
        status=status,
        code=code,
        request_id=_header(response, REQUEST_ID_HEADER),
        correlation_id=_header(response, CORRELATION_ID_HEADER),
        retry_after=retry_after_seconds(getattr(response, 'headers', None)),
    )
