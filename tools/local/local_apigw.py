"""SAM CLI's own local API Gateway, in front of a function that runs under the Runtime Interface
Emulator instead of Docker. Runs on the SAM CLI's venv (``.venv/sam/bin/python -m
tools.local.local_apigw``, from the repository root); tools/local/lambda_local.py starts it.

    describe  print (JSON) what template.yaml says about the function: environment, timeout,
              memory, image metadata, and the HTTP API's routes, as `sam local` resolves them
    serve     answer HTTP on --port: the template's routes become HTTP API (payload 2.0) events
              posted to --invoke-url (the emulator), and frontend_static/ is served on the same
              origin, "/" being index.html, with the security headers (CSP...) that the
              template's CloudFront response-headers policy adds to the deployed page

Everything between the HTTP request and the Lambda event is SAM CLI's code (LocalApigwService:
routing, v2 event, response mapping); the Docker runner is swapped for one that posts to the
emulator, and two REST-API habits of it are set to what an HTTP API does: a body is base64-
encoded when it is not text (SAM would only do it for listed "binary media types", which HTTP
APIs do not have), and an unknown route is 404 {"message":"Not Found"} (not 403).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

from flask import Response, jsonify, make_response, request, send_from_directory
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.local.apigw.local_apigw_service import LocalApigwService

from tools.aws.site_headers import site_headers

ROOT = Path(__file__).resolve().parents[2]
LOG = logging.getLogger("local_apigw")


def load_stacks(template: Path, region: str, parameters: dict[str, str]) -> Any:
    overrides = {"AWS::Region": region, **parameters}
    stacks, _ = SamLocalStackProvider.get_stacks(str(template), parameter_overrides=overrides)
    return stacks


def describe(template: Path, region: str, parameters: dict[str, str]) -> dict[str, Any]:
    stacks = load_stacks(template, region, parameters)
    # The API's function is the image; the other (the zip pre-traffic hook) serves no route.
    functions = [f for f in SamFunctionProvider(stacks).get_all() if f.packagetype == "Image"]
    if len(functions) != 1:
        raise SystemExit(f"expected one image function in {template}, found {len(functions)}")
    (function,) = functions
    routes = ApiProvider(stacks, cwd=str(template.parent)).api.routes
    return {
        "function": function.name,
        "package_type": function.packagetype,
        "environment": (function.environment or {}).get("Variables", {}),
        "timeout": function.timeout,
        "memory": function.memory,
        "architectures": function.architectures,
        "dockerfile": function.metadata.get("Dockerfile"),
        "docker_context": function.metadata.get("DockerContext"),
        "routes": sorted(
            [{"path": route.path, "methods": sorted(route.methods)} for route in routes],
            key=lambda r: r["path"],
        ),
    }


def is_text(mimetype: str) -> bool:
    """Bodies an HTTP API hands to Lambda as they are; it base64-encodes the rest."""
    kind = mimetype.split(";", 1)[0].strip().lower()
    return (
        kind.startswith("text/")
        or kind in {"application/json", "application/javascript", "application/xml"}
        or kind in {"application/x-www-form-urlencoded", "application/graphql"}
        or kind.endswith(("+json", "+xml"))
    )


class NonTextTypes:
    """Stands where SAM looks up "binary media types": every type that is not text is one."""

    def __contains__(self, mimetype: object) -> bool:
        # SAM also asks for "*/*" (encode everything): not an HTTP API's rule.
        return isinstance(mimetype, str) and mimetype != "*/*" and not is_text(mimetype)


class HttpApiView:
    """SAM's Api object, with HTTP API body encoding (see NonTextTypes)."""

    def __init__(self, api: Any) -> None:
        self._api = api

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    @property
    def binary_media_types(self) -> NonTextTypes:
        return NonTextTypes()


def not_found(*_: Any) -> Response:
    response: Response = make_response(jsonify(message="Not Found"), 404)
    return response


class EmulatorRunner:
    """Stands in for SAM's Docker-based LocalLambdaRunner: posts each event to the emulator.

    One execution environment, like one warm container: invocations take turns (the emulator
    serves one at a time, as a real Lambda environment does).
    """

    def __init__(self, invoke_url: str, timeout_s: float) -> None:
        self.invoke_url = invoke_url
        self.timeout_s = timeout_s
        self._turn = threading.Lock()

    def is_debugging(self) -> bool:
        return False

    def invoke(
        self, function_name: str, event: str, stdout: Any, stderr: Any = None, **_: Any
    ) -> None:
        request = urllib.request.Request(  # noqa: S310 - a loopback URL given by lambda_local
            self.invoke_url, data=event.encode("utf-8"), method="POST"
        )
        with self._turn, urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
            stdout.write_str(response.read().decode("utf-8"))


def serve(args: argparse.Namespace) -> None:
    stacks = load_stacks(args.template, args.region, dict(args.parameter))
    api = ApiProvider(stacks, cwd=str(args.template.parent)).api
    runner = EmulatorRunner(args.invoke_url, timeout_s=args.invoke_timeout)
    static_dir = args.static_dir.resolve()
    service = LocalApigwService(
        api=HttpApiView(api),
        lambda_runner=runner,
        static_dir=str(static_dir),
        port=args.port,
        host=args.host,
    )
    service.create()
    app = service._app  # the Flask app SAM built: "/" and the 404 answer are added below
    app.register_error_handler(404, not_found)
    app.register_error_handler(405, not_found)

    def index() -> Any:
        return send_from_directory(static_dir, "index.html")

    app.add_url_rule("/", endpoint="site-index", view_func=index, methods=["GET", "HEAD"])
    page_headers = site_headers(args.template, args.region)

    def add_page_headers(response: Response) -> Response:
        # Only the page's files: API answers get no CloudFront headers in AWS either.
        if request.endpoint in {"static", "site-index"}:
            response.headers.update(page_headers)
        return response

    app.after_request(add_page_headers)

    for route in api.routes:
        LOG.info("route %s %s -> %s", ",".join(route.methods), route.path, args.invoke_url)
    print(f"Serving the API and the page at http://{args.host}:{args.port}", flush=True)
    service.run()


def parameter(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="local_apigw")
    parser.add_argument("command", choices=["describe", "serve"])
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--region", default="ap-northeast-2")
    parser.add_argument("-p", "--parameter", type=parameter, action="append", default=[])
    parser.add_argument("--invoke-url", help="the emulator's invocation URL (serve)")
    parser.add_argument("--invoke-timeout", type=float, default=60.0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--static-dir", type=Path, default=ROOT / "frontend_static")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.command == "describe":
        json.dump(describe(args.template, args.region, dict(args.parameter)), sys.stdout)
        sys.stdout.write("\n")
        return 0
    if not args.invoke_url:
        parser.error("serve needs --invoke-url")
    serve(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
