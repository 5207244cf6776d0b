"""The emulator's failure codes come from one table, in Azure's "CODE: message" shape."""

import re

from emulator import error_codes


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
