"""Azure Resource Manager's request throttling: a token bucket per subscription, principal and operation type.

ARM (since 2024, per region) gives every principal, in each subscription, one bucket of reads, one of writes and one
of deletes; each
request takes a token, tokens come back at a fixed rate, and an empty bucket answers 429 with Retry-After and the
remaining budget in x-ms-ratelimit-remaining-subscription-<type> headers. AZURE_LIMITS are the documented numbers
(Microsoft Learn, "Request limits and throttling"); the emulator applies the `arm_<type>_capacity` and
`arm_<type>_refill_per_second` settings, 0 meaning "not throttled" (the default), so tests and the sandbox choose
a scaled-down shape (SCALED_LIMITS) that a small fleet on one machine really runs into.
"""

import math
import threading
import time

from .httpcore import ArmError

OPERATION_TYPES = ('reads', 'writes', 'deletes')

# (bucket capacity, tokens refilled per second) per principal, per region, as documented for Azure.
AZURE_LIMITS = {'reads': (250, 25.0), 'writes': (200, 10.0), 'deletes': (200, 10.0)}

# The sandbox's throttled shape: buckets 1/25 of Azure's, refill 1/5, the same proportions between the types. Azure's
# numbers are sized for clouds of callers; one 2-core controller running a fleet sends a few ARM calls per second on
# average (it is CPU-bound), with bursts when many hosts start a step together. This shape puts the average near
# the refill and the bursts above the bucket, so a 100-server fleet really meets 429s while the refill still serves
# it inside the modules' deadlines. docs/fleet.md ("ARM throttling") gives the numbers and their source.
SCALED_LIMITS = {kind: (capacity // 25, refill / 5) for kind, (capacity, refill) in AZURE_LIMITS.items()}

# Emulator settings (admin API PATCH /_emulator/settings); 0 switches a type's throttling off.
DEFAULT_SETTINGS = dict(
    [('arm_%s_capacity' % kind, 0) for kind in OPERATION_TYPES] + [('arm_%s_refill_per_second' % kind, 0) for kind in OPERATION_TYPES])

# The wording ARM uses for the per-principal token bucket (its error code is SubscriptionRequestsThrottled).
MESSAGE = ("Number of '%s' requests for subscription '%s' actor '%s' exceeded. Please try again after '%d' seconds after "
           "additional tokens are available.")


def settings_for(limits):
    """Emulator settings that apply `limits` ({type: (capacity, refill per second)})."""
    values = {}
    for kind, (capacity, refill) in limits.items():
        values['arm_%s_capacity' % kind] = capacity
        values['arm_%s_refill_per_second' % kind] = refill
    return values


def operation_type(method):
    """ARM's operation type of an HTTP method: GET/HEAD read, DELETE deletes, everything else (PUT, PATCH, POST) writes."""
    method = method.upper()
    if method in ('GET', 'HEAD'):
        return 'reads'
    return 'deletes' if method == 'DELETE' else 'writes'


def principal_of(claims):
    """The identity ARM throttles by: the token's object id (service principal or managed identity)."""
    claims = claims or {}
    return str(claims.get('oid') or claims.get('appid') or claims.get('sub') or 'anonymous')


class Throttle:
    """Token buckets keyed by (subscription, principal, operation type); limits are read from the live settings on
    every call. A request outside any subscription (GET /subscriptions, /tenants) counts on the default one."""

    def __init__(self, settings, subscription_id, clock=time.monotonic):
        self._settings = settings
        self._subscription_id = subscription_id  # the default subscription
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets = {}  # (subscription, principal, kind) -> [tokens, stamp]

    def reset(self):
        """Forget every bucket (the next request of each starts from a full one)."""
        with self._lock:
            self._buckets.clear()

    def limits(self, kind):
        capacity = float(self._settings.get('arm_%s_capacity' % kind) or 0)
        refill = float(self._settings.get('arm_%s_refill_per_second' % kind) or 0)
        return capacity, refill

    def take(self, claims, method, subscription_id=None):
        """Spend one token for this request (in ``subscription_id``, default: the default subscription). Returns (kind,
        remaining whole tokens or None when unthrottled); raises ArmError 429 with Retry-After when the principal's
        bucket of that type in that subscription is empty."""
        kind = operation_type(method)
        capacity, refill = self.limits(kind)
        if capacity <= 0 or refill <= 0:
            return kind, None
        principal = principal_of(claims)
        subscription_id = subscription_id or self._subscription_id
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault((subscription_id.lower(), principal, kind), [capacity, now])
            bucket[0] = min(capacity, bucket[0] + (now - bucket[1]) * refill)
            bucket[1] = now
            if bucket[0] >= 1:
                bucket[0] -= 1
                return kind, int(bucket[0])
            wait = max(1, int(math.ceil((1 - bucket[0]) / refill)))
        raise ArmError(429, 'SubscriptionRequestsThrottled', MESSAGE % (kind[:-1], subscription_id, principal, wait),
                       headers={'Retry-After': str(wait), 'x-ms-ratelimit-remaining-subscription-%s' % kind: '0'})
