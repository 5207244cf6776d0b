"""Fault injection (admin API) and the request log. Deterministic: rules fire by count, never by chance."""

import collections
import math
import threading
import time

from .httpcore import ArmError

KINDS = ('status', 'throttle', 'latency', 'drop', 'token_outage', 'bucket', 'stuck')
SCOPES = ('arm', 'identity', 'all')


def _number(spec, key, default, minimum=0.0):
    value = spec.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise ArmError(400, 'InvalidFault', "Fault field '%s' must be a number >= %s." % (key, minimum))
    return value


class Faults:
    def __init__(self, clock=time.monotonic):
        self._lock = threading.Lock()
        self._rules = []
        self._next = 1
        self._clock = clock

    def add(self, spec):
        """Validate and register a rule; returns it (with its id)."""
        kind = spec.get('kind')
        if kind not in KINDS:
            raise ArmError(400, 'InvalidFault', "Fault 'kind' must be one of %s." % ', '.join(KINDS))
        scope = spec.get('scope', 'identity' if kind == 'token_outage' else 'arm')
        if scope not in SCOPES:
            raise ArmError(400, 'InvalidFault', "Fault 'scope' must be one of %s." % ', '.join(SCOPES))
        rule = {'kind': kind, 'scope': scope, 'method': (spec.get('method') or '').upper() or None,
                'path_contains': spec.get('path_contains') or None, 'skip': int(_number(spec, 'skip', 0)),
                'count': None if spec.get('count') is None else int(_number(spec, 'count', 0)), 'fired': 0}
        if kind == 'status':
            rule['status'] = int(_number(spec, 'status', 500, 400))
            rule['code'] = spec.get('code') or ('ServiceUnavailable' if rule['status'] == 503 else 'InternalServerError')
            rule['retry_after'] = spec.get('retry_after')
        elif kind == 'token_outage':
            rule['status'] = int(_number(spec, 'status', 503, 400))
        elif kind == 'throttle':
            rule['retry_after'] = int(_number(spec, 'retry_after', 1))
        elif kind == 'latency':
            rule['seconds'] = float(_number(spec, 'seconds', 1.0))
        elif kind == 'bucket':
            rule['capacity'] = float(_number(spec, 'capacity', 10, 1))
            rule['refill_per_second'] = float(_number(spec, 'refill_per_second', 1, 0.001))
            rule['tokens'] = rule['capacity']
            rule['stamp'] = self._clock()
        elif kind == 'stuck':
            rule['migration'] = spec.get('migration')
        with self._lock:
            rule['id'] = self._next
            self._next += 1
            self._rules.append(rule)
        return self.public(rule)

    @staticmethod
    def public(rule):
        return {k: v for k, v in rule.items() if k not in ('tokens', 'stamp')}

    def list(self):
        with self._lock:
            return [self.public(r) for r in self._rules]

    def remove(self, rule_id=None):
        with self._lock:
            self._rules = [r for r in self._rules if rule_id is not None and r['id'] != rule_id]

    def is_stuck(self, migration_name):
        with self._lock:
            return any(r['kind'] == 'stuck' and r.get('migration') in (None, migration_name) for r in self._rules)

    def _matches(self, rule, scope, method, path):
        if rule['kind'] == 'stuck' or rule['scope'] not in (scope, 'all'):
            return False
        if rule['method'] and rule['method'] != method:
            return False
        return not rule['path_contains'] or rule['path_contains'].lower() in path.lower()

    def decide(self, scope, method, path):
        """Return (latency_seconds, action) for a request; action is None or a rule that answers instead."""
        latency, action = 0.0, None
        with self._lock:
            for rule in self._rules:
                if not self._matches(rule, scope, method, path):
                    continue
                if rule['kind'] == 'bucket':
                    if action is None and not self._take(rule):
                        action = dict(rule, retry_after=max(1, int(math.ceil((1 - rule['tokens']) / rule['refill_per_second']))))
                    continue
                if rule['skip'] > 0:
                    rule['skip'] -= 1
                    continue
                if rule['count'] is not None and rule['fired'] >= rule['count']:
                    continue
                if rule['kind'] == 'latency':
                    rule['fired'] += 1
                    latency += rule['seconds']
                elif action is None:
                    rule['fired'] += 1
                    action = rule
        return latency, action

    def remaining(self):
        """Whole tokens left in the tightest ARM token bucket, or None when no bucket is configured."""
        with self._lock:
            left = [int(r['tokens']) for r in self._rules if r['kind'] == 'bucket']
        return min(left) if left else None

    def _take(self, rule):
        now = self._clock()
        rule['tokens'] = min(rule['capacity'], rule['tokens'] + (now - rule['stamp']) * rule['refill_per_second'])
        rule['stamp'] = now
        if rule['tokens'] >= 1:
            rule['tokens'] -= 1
            return True
        return False


class RequestLog:
    """Method, path, query, status and timing of each non-admin request; never bodies or headers."""

    def __init__(self, limit=200000):
        self._lock = threading.Lock()
        self._items = collections.deque(maxlen=limit)
        self._seq = 0

    def add(self, scope, method, path, query, status, started, duration):
        with self._lock:
            self._seq += 1
            self._items.append({'seq': self._seq, 'time': time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(started)) +
                                '.%03dZ' % int(started % 1 * 1000), 'scope': scope, 'method': method, 'path': path,
                                'query': query, 'status': status, 'duration_ms': round(duration * 1000, 3)})

    def since(self, seq=0):
        with self._lock:
            return [item for item in self._items if item['seq'] > seq]

    def clear(self):
        with self._lock:
            self._items.clear()
