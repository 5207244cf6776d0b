"""Sandbox profiles (PGFLEX_SANDBOX_PROFILE): `small` (the default, the sample databases of a few MB) or `big`
(the same plus tests/emulator/big_data.py's database of a few GB, for size runs such as `make bench-big`).

Used by scripts/sandbox.py; see docs/emulator.md ("The big profile")."""

import json
import os

from emulator import big_data

PROFILE_ENV = 'PGFLEX_SANDBOX_PROFILE'
PROFILES = ('small', 'big')


def name():
    """The profile asked for; a clear error for an unknown one (before anything starts)."""
    text = (os.environ.get(PROFILE_ENV) or 'small').strip().lower()
    if text not in PROFILES:
        raise SystemExit('sandbox: %s must be one of %s; got %r' % (PROFILE_ENV, ', '.join(PROFILES), text))
    if text == 'big':
        big_data.rows()  # a bad PGFLEX_SANDBOX_BIG_ROWS stops here too
    return text


def running(env_json):
    """The profile of the sandbox that wrote env_json (small for one started before profiles existed)."""
    try:
        with open(env_json, encoding='utf-8') as handle:
            return json.load(handle).get('PGFLEX_SANDBOX_PROFILE') or 'small'
    except (OSError, ValueError):
        return 'small'


def server_settings(profile):
    """Extra PostgreSQL settings for both clusters."""
    return dict(big_data.SERVER_SETTINGS) if profile == 'big' else {}


def seed(profile, source):
    """Build the profile's extra data on the source; answers the env entries that name it."""
    if profile != 'big':
        return {'PGFLEX_SANDBOX_PROFILE': profile}
    size = big_data.seed(source)
    return {'PGFLEX_SANDBOX_PROFILE': profile, 'PGFLEX_SANDBOX_BIG_DATABASE': big_data.BIG_DATABASE,
            'PGFLEX_SANDBOX_BIG_ROWS': str(big_data.rows()), 'PGFLEX_SANDBOX_BIG_BYTES': str(size)}
