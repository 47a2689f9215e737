"""The deployed shape on one machine: the page from a bucket over HTTPS, the API on another origin.

``Rehearsal`` starts, in order:

1. a CA made for this run (certificates.py);
2. moto's server over HTTPS (aws_emulator.py), and in it the stack with the template's buckets
   and outputs (stack.py);
3. the page upload, by `make deploy`'s own step (tools/aws/deploy_page.py): the same keys,
   content types, cache headers and config.js (the API's URL from the stack's outputs);
4. the function as `make lambda-local` runs it, its feedback stored in the stack's bucket in
   moto (or an already running function, ``upstream``, that stores none);
5. the site's front, CloudFront's part (site_front.py), on the distribution's domain; a copy
   of it on a foreign origin (``elsewhere``: another site serving the same page);
6. the API's front, API Gateway's part (api_front.py), on the API's domain;
7. the tunnel (tunnel.py) that maps those names, on port 443 (and 80 for the sites), to the
   fronts: the browser uses it as its proxy and reaches nothing else.

Use it as a context manager (tests/rehearsal), or ``python -m tools.rehearsal`` (serving until
Ctrl-C, with the Chromium command that opens the page).
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tools.aws.cfn_eval import TEMPLATE
from tools.aws.deploy_page import samconfig_defaults
from tools.aws.site_headers import site_headers
from tools.local.lambda_local import LocalStack
from tools.local.processes import Service
from tools.rehearsal.api_front import ApiFront, CorsRules, http_api_routes
from tools.rehearsal.aws_emulator import MotoServer
from tools.rehearsal.certificates import RehearsalCA, chromium_home
from tools.rehearsal.site_front import Distribution, SiteFront
from tools.rehearsal.stack import DeployedStack, deploy_stack, upload_page
from tools.rehearsal.tunnel import Tunnel

# A third origin: someone else's site serving a copy of the page (example.com's TLD is reserved
# for such use, so it can never be a real site).
FOREIGN_HOST = "elsewhere.example"


class Rehearsal(Service):
    """The whole shape; ``site``, ``api``, ``elsewhere``, ``tunnel`` and ``stack`` once started."""

    def __init__(self, upstream: str | None = None, folder: Path | None = None) -> None:
        defaults = samconfig_defaults()
        self.stack_name = defaults.get("stack_name", "digit-lambda")
        self.region = defaults.get("region", "ap-northeast-2")
        self.upstream = upstream
        self._own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="rehearsal-"))
        self.ca = RehearsalCA(self.folder)
        self.aws = MotoServer(self.ca, self.folder, self.region)
        self.function: LocalStack | None = None
        self._started: list[Any] = []
        self.upload_output = ""

    # The parts, once started.
    stack: DeployedStack
    site: SiteFront
    elsewhere: SiteFront
    api: ApiFront
    tunnel: Tunnel

    def start(self) -> Rehearsal:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self._started.append(self.aws.start())
        self.stack = deploy_stack(self.aws, self.stack_name)
        self.upload_output = upload_page(self.aws, self.stack)
        if self.upstream is None:
            self.function = LocalStack(env=self.function_environment())
            self._started.append(self.function.start())
            self.upstream = self.function.url
        evaluator = self.stack.evaluator
        page_headers = site_headers(TEMPLATE, self.region, self.stack.parameters, https=True)
        distribution = Distribution.from_template(evaluator)
        s3 = self.aws.client("s3")
        bucket = self.stack.outputs["SiteBucketName"]
        site_host = _host(self.stack.outputs["SiteUrl"])
        api_host = _host(self.stack.outputs["ApiUrl"])
        self.site = SiteFront(
            site_host, s3, bucket, distribution, page_headers, self.ca.server_context(site_host)
        )
        self.elsewhere = SiteFront(
            FOREIGN_HOST, s3, bucket, distribution, page_headers,
            self.ca.server_context(FOREIGN_HOST),
        )  # fmt: skip
        self.api = ApiFront(
            api_host,
            self.upstream,
            http_api_routes(evaluator),
            CorsRules.from_template(evaluator),
            self.ca.server_context(api_host),
        )
        for front in (self.site, self.elsewhere, self.api):
            self._started.append(front.start())
        routes = {(api_host, 443): self.api.port}
        for site in (self.site, self.elsewhere):
            routes |= {(site.hostname, 443): site.https_port, (site.hostname, 80): site.http_port}
        self.tunnel = Tunnel(routes)
        self._started.append(self.tunnel.start())

    def function_environment(self) -> dict[str, str]:
        """What the function is given beyond the template: the stack's feedback bucket, in
        this rehearsal's S3 (moto over HTTPS, trusted through the run's CA), as a deployed
        function's POST /feedback stores into its stack's bucket."""
        aws = {k: v for k, v in self.aws.environment().items() if k.startswith("AWS_")}
        return {**aws, "FEEDBACK_BUCKET": self.stack.outputs["FeedbackBucketName"]}

    def chromium_home(self) -> Path:
        """A HOME for Chromium whose NSS database trusts this run's CA (and only adds that)."""
        home = self.folder / "chromium-home"
        if not (home / ".pki" / "nssdb").is_dir():
            chromium_home(self.ca.pem, home)
        return home

    def opener(self) -> urllib.request.OpenerDirector:
        """urllib as the browser reaches the rehearsal: through the tunnel, trusting the CA."""
        context: ssl.SSLContext = self.ca.client_context()
        return urllib.request.build_opener(
            urllib.request.ProxyHandler({"https": self.tunnel.url, "http": self.tunnel.url}),
            urllib.request.HTTPSHandler(context=context),
        )

    def stop(self) -> None:
        while self._started:
            part = self._started.pop()
            part.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _host(url: str) -> str:
    host = urlsplit(url).hostname
    if not host:
        raise ValueError(f"not a URL with a host: {url!r}")
    return host
