# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception for every failed Azure call, carrying what a support ticket needs.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import json

REQUEST_ID_HEADER = 'x-ms-request-id'
CORRELATION_ID_HEADER = 'x-ms-correlation-request-id'


class AzureApiError(Exception):
    """A failed call to Azure (ARM or Entra ID), whatever layer raised it.

    Attributes: status (HTTP status or None when no response arrived), code (ARM or AADSTS error
    code or None), message, request_id and correlation_id (response headers, or None).
    """

    def __init__(self, message, status=None, code=None, request_id=None, correlation_id=None):
        super(AzureApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.correlation_id = correlation_id

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
    )
