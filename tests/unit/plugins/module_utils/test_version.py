# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os
import re

from ansible_collections.pgflex.migration.plugins.module_utils.version import COLLECTION_VERSION, user_agent

GALAXY = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'galaxy.yml')


def test_version_matches_galaxy_yml():
    with open(GALAXY) as handle:
        match = re.search(r'^version:\s*["\']?([^"\'\s]+)', handle.read(), re.MULTILINE)
    assert match and match.group(1) == COLLECTION_VERSION


def test_user_agent_names_collection():
    assert user_agent() == 'ansible-pgflex.migration/%s' % COLLECTION_VERSION
