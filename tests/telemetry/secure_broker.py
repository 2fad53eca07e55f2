"""A Mosquitto of the test's own that requires TLS and a password: certificates made with `cryptography`."""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import reachable
from telemetry.conftest import free_port, wait_until

USERNAME = "cell-7"
PASSWORD = "broker-pass-0f3a"


@dataclass(frozen=True)
class Issued:
    cert: Path
    key: Path


def _key_file(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


@dataclass
class Authority:
    """A CA that signs server and client certificates for the test."""

    folder: Path
    name: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def __post_init__(self) -> None:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256()))
        self.cert_file = self.folder / f"{self.name}.pem"
        self.cert_file.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, common_name: str, *, server: bool) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.certificate.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                  else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
        if server:  # only the name "localhost": connecting to 127.0.0.1 must fail the server-name check
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        cert = self.folder / f"{common_name}.crt"
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return Issued(cert, _key_file(key, self.folder / f"{common_name}.key"))


def password_line(username: str, password: str) -> str:
    """A Mosquitto password-file line: `mosquitto_passwd` when installed, else its PBKDF2-SHA512 format ($7$)."""
    if shutil.which("mosquitto_passwd"):
        folder = Path(os.environ.get("TMPDIR", "/tmp"))
        scratch = folder / f"fabnet-passwd-{os.getpid()}"
        try:
            subprocess.run(["mosquitto_passwd", "-c", "-b", str(scratch), username, password], check=True,
                           capture_output=True)
            return scratch.read_text().strip()
        finally:
            scratch.unlink(missing_ok=True)
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 101)
    return f"{username}:$7$101${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


class SecureMosquitto:
    """Mosquitto with two TLS listeners, both wanting a username and password: `port` (server certificate only)
    and `mutual_port` (a client certificate signed by the CA as well). No plain listener."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca = Authority(folder, "fabnet-test-ca")
        self.rogue = Authority(folder, "someone-elses-ca")
        self.server = self.ca.issue("localhost", server=True)
        self.client = self.ca.issue("cell-7-client", server=False)
        self.port, self.mutual_port = free_port(), free_port()
        (folder / "passwd").write_text(password_line(USERNAME, PASSWORD) + "\n")
        tls = f"cafile {self.ca.cert_file}\ncertfile {self.server.cert}\nkeyfile {self.server.key}\n"
        (folder / "mosquitto.conf").write_text(
            f"per_listener_settings false\nallow_anonymous false\npassword_file {folder / 'passwd'}\n"
            f"persistence false\nuser {getpass.getuser()}\n"
            f"listener {self.port} 127.0.0.1\n{tls}"
            f"listener {self.mutual_port} 127.0.0.1\n{tls}require_certificate true\n")
        self.log = folder / "mosquitto.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(["mosquitto", "-v", "-c", str(self.folder / "mosquitto.conf")],
                                            stdout=out, stderr=subprocess.STDOUT)
        ports = (self.port, self.mutual_port)
        if not wait_until(lambda: all(reachable("127.0.0.1", port, 0.2) for port in ports), 10):
            self.stop()
            raise RuntimeError(f"the TLS mosquitto did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
