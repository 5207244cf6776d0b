"""Signed access tokens (JWT, HS256) issued by the emulated Entra ID and checked by emulated ARM, and the RSA key
the emulator uses when it plays an external OIDC issuer (Kubernetes, GitHub...) minting federated assertions."""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid


class TokenError(Exception):
    """A token was refused; ``code`` is the ARM error code to answer with."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def decode_unverified(token):
    """Return (header, claims) of a JWT without checking its signature; ValueError if malformed."""
    parts = token.split('.')
    if len(parts) != 3:
        raise ValueError('not a JWT')
    try:
        return json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
    except (ValueError, TypeError) as exc:
        raise ValueError('not a JWT: %s' % exc)


def _utc(epoch):
    return time.strftime('%m/%d/%Y %H:%M:%S', time.gmtime(epoch))


class AssertionKey:
    """RS256 key of the emulated workload-identity issuer. Created on first use (RSA generation costs ~50 ms) and
    kept for the process' life, so only assertions minted by this emulator pass the signature check."""

    KEY_ID = 'pgflex-emulator-oidc'

    def __init__(self):
        self._key = None
        self._lock = threading.Lock()

    def _private_key(self):
        with self._lock:
            if self._key is None:
                from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    def sign(self, claims):
        from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives.asymmetric import padding  # pylint: disable=import-outside-toplevel
        header = b64url(json.dumps({'alg': 'RS256', 'typ': 'JWT', 'kid': self.KEY_ID}, separators=(',', ':')).encode())
        body = b64url(json.dumps(claims, separators=(',', ':')).encode())
        signing_input = header + '.' + body
        signature = self._private_key().sign(signing_input.encode('ascii'), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + '.' + b64url(signature)

    def signature_ok(self, token):
        """True when token is RS256 and signed by this key (False, never an exception, for anything else)."""
        from cryptography.exceptions import InvalidSignature  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives.asymmetric import padding  # pylint: disable=import-outside-toplevel
        try:
            header = decode_unverified(token)[0]
            head, body, signature = token.split('.')
            if header.get('alg') != 'RS256':
                return False
            self._private_key().public_key().verify(b64url_decode(signature), (head + '.' + body).encode('ascii'),
                                                    padding.PKCS1v15(), hashes.SHA256())
            return True
        except (InvalidSignature, ValueError, TypeError):
            return False


class TokenSigner:
    """Issues and verifies the emulator's access tokens with a key that lives as long as the process."""

    def __init__(self, issuer_base, clock=time.time):
        self._key = secrets.token_bytes(32)
        self._issuer_base = issuer_base
        self._clock = clock
        self._verified = {}  # token -> claims; skips signature work for the tokens clients reuse on every call
        self.assertion_key = AssertionKey()

    def _sign(self, signing_input):
        return b64url(hmac.new(self._key, signing_input.encode('ascii'), hashlib.sha256).digest())

    def issue(self, tenant, audience, subject, lifetime, app_id=None, id_type='app'):
        now = int(self._clock())
        claims = {
            'aud': audience, 'iss': '%s/%s/' % (self._issuer_base, tenant), 'iat': now, 'nbf': now, 'exp': now + int(lifetime),
            'tid': tenant, 'oid': subject, 'sub': subject, 'appid': app_id or subject, 'idtyp': id_type,
            'uti': uuid.uuid4().hex, 'ver': '1.0',
        }
        header = b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}, separators=(',', ':')).encode())
        body = b64url(json.dumps(claims, separators=(',', ':')).encode())
        signing_input = header + '.' + body
        return signing_input + '.' + self._sign(signing_input), claims

    def verify(self, token, audiences):
        """Return the claims of a valid token for one of the audiences, else raise TokenError (ARM codes)."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._check_signature(token)
        self._check_claims(claims, audiences)
        return claims

    def _check_signature(self, token):
        parts = token.split('.')
        if len(parts) != 3:
            raise TokenError('InvalidAuthenticationToken', 'The access token is invalid.')
        if not hmac.compare_digest(self._sign(parts[0] + '.' + parts[1]), parts[2]):
            raise TokenError('InvalidAuthenticationToken', 'The access token has invalid signature.')
        claims = decode_unverified(token)[1]
        if len(self._verified) > 4096:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def _check_claims(self, claims, audiences):
        normalized = {a.rstrip('/').lower() for a in audiences}
        if str(claims.get('aud', '')).rstrip('/').lower() not in normalized:
            raise TokenError('InvalidAuthenticationTokenAudience',
                             "The access token has been obtained for wrong audience or resource '%s'. It should exactly match with "
                             "one of the allowed audiences '%s'." % (claims.get('aud'), "','".join(sorted(audiences))))
        now = self._clock()
        if claims.get('exp', 0) <= now:
            raise TokenError('ExpiredAuthenticationToken',
                             "The access token expiry UTC time '%s' is earlier than current UTC time '%s'."
                             % (_utc(claims.get('exp', 0)), _utc(now)))
