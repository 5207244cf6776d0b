"""The emulator's failure codes come from one table, in Azure's "CODE: message" shape."""

import re

from emulator import collection_code, error_codes


def test_codes_are_the_catalogue_range_or_the_recorded_db002():
    for code in error_codes.CODES:
        assert code == 'DB002' or 603000 <= int(code) <= 603709, code


def test_error_text_has_the_recorded_shape():
    text = error_codes.error_text('DB002', 'Restoring the data failed.', 'mid-1')
    assert text == ('DB002: Migration failed. Restoring the data failed. Please reference MigrationId mid-1, when contacting '
                    'Microsoft customer support.')
    assert re.match(r'^603709: Migration setup failed\. ', error_codes.error_text('603709', 'Another one is active.'))


def test_connection_failures_get_their_codes():
    assert error_codes.connection_code('FATAL:  password authentication failed for user "u"') == '603100'
    assert error_codes.connection_code('server does not support SSL, but SSL was required') == '603001'
    assert error_codes.connection_code('Connection refused') == '603000'


def _collection_table():
    """The collection's code table (plugins/module_utils/service_errors.py, pure stdlib), loaded by path."""
    return collection_code.load('service_errors')


def test_every_catalogue_code_the_emulator_uses_is_in_the_collections_table():
    table = _collection_table()
    used = [code for code in error_codes.CODES if code != 'DB002']  # DB002: recorded, not in Microsoft's catalogue
    assert used and all(table.lookup(code) is not None for code in used), [c for c in used if table.lookup(c) is None]
    # The collection finds the code in the emulator's text shape.
    assert table.codes_in(error_codes.error_text('603709', 'Another one is active.')) == ['603709']
