# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's name and version, for the user agent Azure sees.

Internal to the pgflex.migration collection; not a public API. A unit test keeps
COLLECTION_VERSION equal to galaxy.yml's version.
"""

from __future__ import annotations

COLLECTION_NAME = 'pgflex.migration'
COLLECTION_VERSION = '0.1.0'


def user_agent():
    """The user-agent prefix: azure-core appends its own, and honours AZURE_HTTP_USER_AGENT."""
    return 'ansible-%s/%s' % (COLLECTION_NAME, COLLECTION_VERSION)
