"""The headers CloudFront adds to the page: template.yaml's SiteHeadersPolicy, evaluated.

Needs only cfn_eval (PyYAML), so SAM CLI's venv (the local API Gateway fronts) and the project's
(the rehearsal's CloudFront stand-in, tools/rehearsal/site_front.py) read the same policy.
"""

from __future__ import annotations

from pathlib import Path

from tools.aws.cfn_eval import TEMPLATE, Evaluator, load_template


def site_headers(
    template: Path = TEMPLATE,
    region: str = "ap-northeast-2",
    parameters: dict[str, str] | None = None,
    https: bool = False,
) -> dict[str, str]:
    """Header name -> value, as the response-headers policy sets them for these parameters.

    Strict-Transport-Security only with ``https``: a browser ignores it over plain http, and
    the local stacks that serve the page on http would only pretend to send it.
    """
    evaluated = Evaluator(
        load_template(template), parameters=parameters, pseudo={"AWS::Region": region}
    ).resources()
    policy = evaluated["SiteHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]
    headers = {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    }
    if https and "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        headers["Strict-Transport-Security"] = value
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in security:
        headers["X-Frame-Options"] = security["FrameOptions"]["FrameOption"]
    if "ReferrerPolicy" in security:
        headers["Referrer-Policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
    return headers
