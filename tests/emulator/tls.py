"""Throwaway certificate authority and leaf certificates for the emulator and the sandbox."""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _write(path, data, mode=0o644):
    with open(path, 'wb') as handle:
        handle.write(data)
    os.chmod(path, mode)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


class CertificateAuthority:
    """A CA that lives for one emulator or sandbox run; its PEM is what clients add to their trust."""

    def __init__(self, name='pgflex emulator CA'):
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(minutes=5))
            .not_valid_after(_now() + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, hostnames=('localhost',), addresses=('127.0.0.1',)):
        """Return (cert_pem, key_pem) for a server reachable under the given names and IPs."""
        key = ec.generate_private_key(ec.SECP256R1())
        names = [x509.DNSName(name) for name in hostnames] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (list(hostnames) or list(addresses))[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(minutes=5))
            .not_valid_after(_now() + datetime.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)

    def write(self, directory, prefix='ca'):
        """Write the CA certificate (public) into directory; return its path."""
        path = os.path.join(directory, '%s.pem' % prefix)
        _write(path, self.pem)
        return path

    def write_leaf(self, directory, prefix, **kwargs):
        """Issue a leaf certificate and write it; return (cert_path, key_path)."""
        cert_pem, key_pem = self.issue(**kwargs)
        cert_path = os.path.join(directory, '%s.crt' % prefix)
        key_path = os.path.join(directory, '%s.key' % prefix)
        _write(cert_path, cert_pem)
        _write(key_path, key_pem, 0o600)
        return cert_path, key_path


def client_certificate(common_name='pgflex-emulator-client'):
    """A self-signed RSA certificate for service-principal certificate auth: (cert_pem, key_pem)."""
    from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(minutes=5)).not_valid_after(_now() + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


SYSTEM_BUNDLES = ('/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem')


def system_bundle_path():
    """The system CA bundle (Debian path first), else certifi's, else None."""
    for path in SYSTEM_BUNDLES:
        if os.path.exists(path):
            return path
    try:
        import certifi  # pylint: disable=import-outside-toplevel
        return certifi.where()
    except ImportError:
        return None


def write_trust_bundle(path, *ca_paths):
    """Write system CAs + the given CA files into one PEM bundle (for REQUESTS_CA_BUNDLE)."""
    parts = []
    system = system_bundle_path()
    if system:
        with open(system, 'rb') as handle:
            parts.append(handle.read().rstrip(b'\n') + b'\n')
    for ca_path in ca_paths:
        with open(ca_path, 'rb') as handle:
            parts.append(handle.read())
    _write(path, b''.join(parts))
    return path
