# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Canned HTTP replies under the real azure-core pipeline, and a stand-in credential, for client unit tests."""

from __future__ import annotations

import io
import json
import time

import requests
from requests.adapters import BaseAdapter
from urllib3 import HTTPResponse
from azure.core.credentials import AccessToken


class CannedAdapter(BaseAdapter):
    """A requests adapter answering from a list of (status, body, headers) and recording requests."""

    def __init__(self, replies=None):
        super(CannedAdapter, self).__init__()
        self.replies = list(replies or [])
        self.requests = []
        self.timeouts = []  # the (connect, read) timeout of each request

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        self.requests.append(request)
        self.timeouts.append(kwargs.get('timeout'))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, body, headers = reply
        content = json.dumps(body).encode() if body is not None else b''
        all_headers = {'Content-Type': 'application/json', 'Content-Length': str(len(content))}
        all_headers.update(headers or {})
        response = requests.Response()
        response.status_code = status
        response.reason = 'canned'
        response.raw = HTTPResponse(body=io.BytesIO(content), headers=all_headers, status=status, preload_content=False)
        response.headers.update(all_headers)
        response.request = request
        response.url = request.url
        return response

    def close(self):
        pass


def canned_transport(replies=None):
    """(azure-core RequestsTransport, adapter) answering from replies."""
    from azure.core.pipeline.transport import RequestsTransport
    adapter = CannedAdapter(replies)
    session = requests.Session()
    session.mount('https://', adapter)
    return RequestsTransport(session=session, session_owner=False), adapter


class StaticCredential(object):
    """A token credential that never talks to Entra ID."""

    def get_token(self, *scopes, **kwargs):  # pylint: disable=unused-argument
        from azure.core.credentials import AccessToken
        return AccessToken('unit-test-token', 4102444800)


class SignIns(object):
    """The real credential's stand-in: every call is a sign-in, each with a new token (fresh-1, fresh-2, ...)."""

    def __init__(self):
        self.count = 0

    def get_token(self, *scopes, **kwargs):  # pylint: disable=unused-argument
        self.count += 1
        return AccessToken('fresh-%d' % self.count, int(time.time()) + 3600)
