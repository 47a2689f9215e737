"""The rehearsal's TLS: a certificate authority made at run time, one certificate per origin.

The CA (trustme) lives only as long as the rehearsal's folder; nothing is added to the
machine's trust store. Python clients trust it through ``client_context()`` or the PEM file
(boto3's ``AWS_CA_BUNDLE``); Chromium through an NSS database of its own (``chromium_home``).
Trusting the CA, rather than ignoring certificate errors, keeps TLS honest: a certificate for
the wrong name, an expired one or one from another CA still fails in the browser.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import trustme

CA_NAME = "digit-lambda rehearsal CA"


class RehearsalCA:
    """The CA, and the certificates it issues for the rehearsal's host names."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ca = trustme.CA(organization_name=CA_NAME)
        self.pem = folder / "rehearsal-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.pem))

    def server_context(self, *hostnames: str) -> ssl.SSLContext:
        """A TLS server context with one certificate naming every host in ``hostnames``."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._ca.issue_cert(*hostnames).configure_cert(context)
        return context

    def server_files(self, name: str, *hostnames: str) -> tuple[Path, Path]:
        """The certificate chain and key as PEM files, for servers that take paths (moto)."""
        leaf = self._ca.issue_cert(*hostnames)
        chain, key = self.folder / f"{name}.pem", self.folder / f"{name}.key"
        chain.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        leaf.private_key_pem.write_to_path(str(key))
        key.chmod(0o600)
        return chain, key

    def client_context(self) -> ssl.SSLContext:
        """Verifies servers against this CA only (host names checked)."""
        return ssl.create_default_context(cafile=str(self.pem))


def chromium_home(ca_pem: Path, home: Path) -> Path:
    """A HOME whose NSS database (~/.pki/nssdb, where Chromium on Linux looks) trusts the CA.

    Start Chromium with this HOME: it then trusts the rehearsal's servers as a browser trusts
    a public CA, and nothing else changes. Needs certutil (Debian's libnss3-tools).
    """
    certutil = shutil.which("certutil")
    if certutil is None:
        raise FileNotFoundError(
            "certutil is missing: install Debian's libnss3-tools (scripts/ensure-chromium.sh does)"
        )
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True, exist_ok=True)
    store = f"sql:{database}"
    subprocess.run(  # noqa: S603 - certutil found on PATH, fixed arguments
        [certutil, "-d", store, "-N", "--empty-password"], check=True, capture_output=True
    )
    subprocess.run(  # noqa: S603 - certutil found on PATH, fixed arguments
        [certutil, "-d", store, "-A", "-n", CA_NAME, "-t", "C,,", "-i", str(ca_pem)],
        check=True,
        capture_output=True,
    )
    return home
