"""`sam local start-api`, SAM CLI's own command with its Docker runner, with the page on the
same origin as `make lambda-local` serves it. Runs on the SAM CLI's venv, from the repository
root (tools/aws/sam_docker.py starts it); the arguments are start-api's own.

    .venv/sam/bin/python -m tools.aws.sam_start_api --template .aws-sam/build/template.yaml ...

What is added to SAM's local API Gateway is what tools/local/local_apigw.py adds to it in front of
the Docker-free emulator, so both stacks answer alike: "/" is frontend_static/index.html, the
page's files get the template's CloudFront security headers, a body that is not text reaches
the function base64-encoded (an HTTP API has no "binary media types"), and an unknown route
is 404 {"message":"Not Found"}.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from flask import Response, request, send_from_directory
from samcli.cli.main import cli
from samcli.local.apigw.local_apigw_service import LocalApigwService

from tools.aws.site_headers import site_headers
from tools.local.local_apigw import HttpApiView, not_found

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "frontend_static"
REGION = "ap-northeast-2"  # as tools/local/local_apigw.py: the CSP names this region's API hosts


def serve_page_too() -> None:
    """Patch SAM's LocalApigwService: HTTP API body encoding, the page, HTTP API's 404."""
    page_headers = site_headers(ROOT / "template.yaml", REGION)
    original_init = LocalApigwService.__init__
    original_create = LocalApigwService.create

    def init(self: Any, api: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, HttpApiView(api), *args, **kwargs)

    def create(self: Any) -> None:
        original_create(self)
        app = self._app
        app.register_error_handler(404, not_found)
        app.register_error_handler(405, not_found)

        def index() -> Any:
            return send_from_directory(STATIC_DIR, "index.html")

        app.add_url_rule("/", endpoint="site-index", view_func=index, methods=["GET", "HEAD"])

        def add_page_headers(response: Response) -> Response:
            if request.endpoint in {"static", "site-index"}:
                response.headers.update(page_headers)
            return response

        app.after_request(add_page_headers)

    LocalApigwService.__init__ = init
    LocalApigwService.create = create


def main(argv: list[str]) -> int:
    serve_page_too()
    args = ["local", "start-api", "--static-dir", str(STATIC_DIR), *argv]
    cli.main(args=args, prog_name="sam")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
