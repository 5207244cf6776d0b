# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An opt-in file that keeps access tokens and cloud metadata between module processes.

One JSON file (mode 0600, owned by the user) holds access tokens keyed by a hash of authority, tenant, client,
scope and a fingerprint of the credential - never the secret, certificate or refresh token - and the cloud
metadata documents of custom clouds. Every problem with the file (corrupt, foreign, loose permissions,
unwritable) costs a warning and a normal sign-in, never a failure. Writes go to a temporary file that is
renamed over the cache, so parallel forks of a fleet never see half a file; the last writer wins. A process that
must sign in holds a lock file beside the cache (``<cache>.lock``) meanwhile, so forks that start together (a
fleet's first tasks) wait for one sign-in's token instead of each signing in.

Internal to the pgflex.migration collection; not a public API.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import stat
import tempfile
import time

DEFAULT_TOKEN_CACHE_PATH = '~/.azure/pgflex_token_cache.json'
FORMAT = 'pgflex.migration token cache 1'
MIN_TOKEN_LIFE = 300  # seconds a cached token must still be valid to be reused (azure-core refreshes at 300 s too)
DOCUMENT_LIFE = 24 * 3600  # seconds a cached cloud metadata document is reused
KEEP_ENTRIES = 200  # most tokens kept: a fleet with many identities must not grow the file without bound
# Seconds a process waits for another's sign-in (one takes about a second); past that it signs in itself, so a
# stuck holder delays the others by at most this much.
SIGN_IN_LOCK_WAIT = 30


def fingerprint(*parts):
    """A one-way hash of the parts (SHA-256, hex): cache keys name identities without holding secrets."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(('%s' % ('' if part is None else part)).encode('utf-8'))
        digest.update(b'\0')
    return digest.hexdigest()


class TokenCache(object):
    """The cache file at ``path``; ``warn(text)`` reports a file that cannot be used (the run goes on without it)."""

    def __init__(self, path, warn, clock=time.time, monotonic=time.monotonic, sleep=time.sleep):
        self.path = os.path.abspath(os.path.expanduser(path))
        self._warn = warn
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._usable = True
        self._data = None

    def _disable(self, why):
        if self._usable:
            self._warn('token_cache: %s %s; signing in without the cache (delete the file to start afresh)'
                       % (self.path, why))
        self._usable = False

    def _check_owner_and_mode(self, info):
        if not stat.S_ISREG(info.st_mode):
            self._disable('is not a regular file')
        elif info.st_uid != os.geteuid():
            self._disable('belongs to another user (uid %d)' % info.st_uid)
        elif info.st_mode & 0o077:
            self._disable('is readable or writable by others (mode %04o; it must be 0600)' % stat.S_IMODE(info.st_mode))
        return self._usable

    def _read(self):
        """The file's contents, {} when absent; None (and a warning) when it must not be used."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0))
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self._disable('cannot be opened (%s)' % (exc.strerror or exc))
            return None
        with os.fdopen(fd, 'r') as handle:
            if not self._check_owner_and_mode(os.fstat(handle.fileno())):
                return None
            try:
                data = json.load(handle)
            except ValueError:
                data = None
        if not isinstance(data, dict) or data.get('format') != FORMAT:
            self._warn('token_cache: %s is not a pgflex.migration token cache or is corrupt; it is ignored and '
                       'will be replaced' % self.path)
            return {}
        return data

    def _load(self):
        if self._data is None and self._usable:
            self._data = self._read()
        return self._data if self._usable else None

    def _section(self, name):
        data = self._load()
        if data is None:
            return {}
        section = data.get(name)
        return section if isinstance(section, dict) else {}

    def token(self, key, min_life=MIN_TOKEN_LIFE, reread=False):
        """(access token, expires_on) for the key when it is valid for more than ``min_life`` seconds, else None.

        reread: read the file again (another process may have stored the token since this one read it)."""
        if reread:
            self._data = None
        entry = self._section('tokens').get(key)
        try:
            token, expires_on = entry['access_token'], int(entry['expires_on'])
        except (KeyError, TypeError, ValueError):
            return None
        if not isinstance(token, str) or expires_on - self._clock() <= min_life:
            return None
        return token, expires_on

    def document(self, url):
        """A cached JSON document (cloud metadata) fetched from ``url`` less than DOCUMENT_LIFE ago, or None."""
        entry = self._section('documents').get(fingerprint(url))
        try:
            if self._clock() - float(entry['fetched']) < DOCUMENT_LIFE:
                return entry['body']
        except (KeyError, TypeError, ValueError):
            pass
        return None

    @contextlib.contextmanager
    def sign_in_lock(self):
        """Held while this process signs in; other processes wait for it (at most SIGN_IN_LOCK_WAIT seconds), then
        read its token. Never fails: without the lock (no cache, an unwritable directory, a holder past the wait) the
        caller signs in all the same."""
        fd = self._locked() if self._usable else None
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)  # releases the lock

    def _locked(self):
        """A descriptor of the lock file holding an exclusive lock, or None."""
        try:
            self._make_directory()
            fd = os.open(self.path + '.lock', os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        except OSError:
            return None
        give_up = self._monotonic() + SIGN_IN_LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError:
                if self._monotonic() >= give_up:
                    os.close(fd)
                    return None
                self._sleep(0.05)

    def store_token(self, key, token, expires_on):
        self._store('tokens', key, {'access_token': token, 'expires_on': int(expires_on)})

    def forget_token(self, key):
        """Drop the key's token (the service refused it before it expired)."""
        self._store('tokens', key, None)

    def store_document(self, url, body):
        self._store('documents', fingerprint(url), {'fetched': int(self._clock()), 'body': body})

    def _store(self, section, key, entry):
        """Write one entry of the section, or remove it when ``entry`` is None."""
        if not self._usable:
            return
        # Re-read just before writing: another fork may have added its own entries meanwhile.
        self._data = None
        data = self._load()
        if data is None:
            return
        entries = data.get(section) if isinstance(data.get(section), dict) else {}
        if entry is None:
            entries.pop(key, None)
        else:
            entries[key] = entry
        data = {'format': FORMAT, 'tokens': self._fresh(data.get('tokens')), 'documents': data.get('documents') or {}}
        data[section] = entries if section == 'documents' else self._fresh(entries)
        self._write(data)

    def _fresh(self, tokens):
        """Unexpired tokens only, the newest KEEP_ENTRIES of them."""
        now = self._clock()
        kept = [(k, v) for k, v in (tokens or {}).items()
                if isinstance(v, dict) and isinstance(v.get('expires_on'), int) and v['expires_on'] > now]
        kept.sort(key=lambda item: item[1]['expires_on'], reverse=True)
        return dict(kept[:KEEP_ENTRIES])

    def _make_directory(self):
        """The cache's directory, created private (0700) when missing; OSError when it cannot be."""
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        return directory

    def _write(self, data):
        temp = None
        try:
            directory = self._make_directory()
            # mkstemp creates the file with mode 0600; the rename makes the new contents appear at once.
            fd, temp = tempfile.mkstemp(prefix='.pgflex-token-cache-', dir=directory)
            with os.fdopen(fd, 'w') as handle:
                json.dump(data, handle, separators=(',', ':'))
            os.replace(temp, self.path)
            temp = None
            self._data = data
        except OSError as exc:
            self._disable('cannot be written (%s)' % (exc.strerror or exc))
        finally:
            if temp is not None:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
