"""The big sandbox profile's switches: a bad value is a message naming the variable (scripts/sandbox.py reads them
first, before anything starts). Building bigdb itself is what `make bench-big` does; no test here builds it."""

import os
import sys

import pytest

from emulator import big_data

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.mark.parametrize('value', ['', '42_000_000', ' 5000 '])
def test_rows_reads_the_variable(monkeypatch, value):
    monkeypatch.setenv(big_data.ROWS_ENV, value)
    assert big_data.rows() == {'': big_data.DEFAULT_ROWS, '42_000_000': 42000000, ' 5000 ': 5000}[value]


@pytest.mark.parametrize('value', ['10', 'many'])
def test_bad_rows_name_the_variable(monkeypatch, value):
    monkeypatch.setenv(big_data.ROWS_ENV, value)
    with pytest.raises(SystemExit, match='%s .*%r' % (big_data.ROWS_ENV, value)):
        big_data.rows()


def test_a_bad_profile_names_the_variable(monkeypatch):
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    import sandbox_profile  # pylint: disable=import-outside-toplevel,import-error
    monkeypatch.setenv(sandbox_profile.PROFILE_ENV, 'huge')
    with pytest.raises(SystemExit, match="PGFLEX_SANDBOX_PROFILE must be one of small, big; got 'huge'"):
        sandbox_profile.name()


def test_every_statement_is_filled_in():
    for statement in big_data._statements(2000):  # pylint: disable=protected-access
        assert '{' not in statement and '}' not in statement
