"""AWS's APIs on localhost: moto in server mode, over HTTPS, as a child process.

One endpoint answers S3, CloudFormation, CloudFront and API Gateway as moto implements them.
The project's own code reaches it unchanged through the SDK's standard settings
(``AWS_ENDPOINT_URL``, ``AWS_CA_BUNDLE``, credentials in the environment): see
``environment()``. Its certificate comes from the rehearsal's CA, so the SDK verifies TLS as it
does against AWS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from tools.local.processes import LOOPBACK, Service, free_port, stop
from tools.rehearsal.certificates import RehearsalCA

START_TIMEOUT_S = 60.0
# Any key works with moto; named so that a leak would be recognised at once.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "rehearsal-not-an-aws-key",
    "AWS_SECRET_ACCESS_KEY": "rehearsal-not-an-aws-secret",
    "AWS_SESSION_TOKEN": "rehearsal",
}


class MotoServer(Service):
    """``python -m moto.server`` on a free loopback port, with a certificate of the CA."""

    def __init__(self, ca: RehearsalCA, folder: Path, region: str) -> None:
        self.ca = ca
        self.folder = folder
        self.region = region
        self.port = free_port()
        self.log_path = folder / "moto.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    def environment(self) -> dict[str, str]:
        """A child process's environment: this server in AWS's place, and only this server.

        The user's own AWS settings are kept out of sight (a profile or a key there must not
        redirect or sign the rehearsal's requests).
        """
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {
            **inherited,
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_CA_BUNDLE": str(self.ca.pem),
            "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": str(self.folder / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.folder / "no-aws-credentials"),
        }

    def client(self, service: str) -> Any:
        session = boto3.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=self.region,
        )
        return session.client(service, endpoint_url=self.endpoint, verify=str(self.ca.pem))

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> MotoServer:
        cert, key = self.ca.server_files("moto", LOOPBACK)
        command = [
            sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(self.port),
            "-c", str(cert), "-k", str(key),
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed argv
                command, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto's server did not start:\n{self.logs()}")
            time.sleep(0.2)
        return self

    def _answers(self) -> bool:
        context = self.ca.client_context()
        try:
            with urllib.request.urlopen(  # noqa: S310 - our loopback server
                f"{self.endpoint}/moto-api/", timeout=2, context=context
            ) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        process, self._process = self._process, None
        stop(process)
