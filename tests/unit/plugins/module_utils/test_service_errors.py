# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os

import pytest

from ansible_collections.pgflex.migration.plugins.module_utils import service_errors

PAGE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'docs', 'error-codes.md')


def test_the_catalogue_spans_the_documented_codes_once_each():
    codes = [entry.code for entry in service_errors.SERVICE_ERRORS]
    assert len(codes) == len(set(codes)) == 41  # 603000-603001, 603100-603117, 603400-603410, 603700-603709
    assert codes[0] == '603000' and codes[-1] == '603709'
    assert all(entry.meaning.endswith('.') and entry.fix.endswith('.') for entry in service_errors.SERVICE_ERRORS)


@pytest.mark.parametrize('text, codes', [
    ('DB002: Migration failed. Please reference MigrationId 1234 for more details.', ['DB002']),
    ('603101: Database exists in target.', ['603101']),
    ('Validation failed. Error code: 603107. wal_level is replica', ['603107']),
    ('(603100) Authentication failed; (603100) again', ['603100']),
    ('copied 6031011 rows', []),
    ('', []),
    (None, []),
])
def test_codes_are_found_where_the_service_puts_them(text, codes):
    assert service_errors.codes_in(text) == codes


def test_a_known_code_is_explained_with_its_fix():
    text = service_errors.explain('Error code: 603107. Source server WAL level parameter is set to replica.')
    assert text.startswith('service error 603107: wal_level on the source is not logical.')
    assert 'setup_logical_replication: true' in text


def test_an_unknown_code_is_named_as_outside_the_catalogue():
    text = service_errors.explain('DB002: Migration failed. Please reference MigrationId 42')
    assert "service error DB002 is not in Microsoft's error catalogue" in text and 'support' in text


def test_texts_without_codes_add_nothing():
    assert service_errors.explain('Migration failed', None, '') == ''


def test_the_docs_page_is_rendered_from_the_table():
    # scripts/render_docs.py rewrites docs/error-codes.md after a change of the table.
    if not os.path.exists(PAGE):
        pytest.skip('docs/ is not part of this test payload')
    with open(PAGE) as handle:
        assert handle.read() == service_errors.doc_markdown()
