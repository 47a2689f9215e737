"""template.yaml, evaluated for real parameter sets, and the CloudFormation SAM makes of it.

The SAM-level checks read what a person wrote; the translated checks read what CloudFormation
would receive (SAM rewrites CORS, routes, permissions and the stage into other shapes).
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from tests.infra.cfn import ACCOUNT, FAKE_ATTRS, FAKE_IDS, REGION, ROOT, Evaluator, load_template
from tests.infra.cfn import translated_template as _translate

SITE_ORIGIN = f"https://{FAKE_ATTRS[('SiteDistribution', 'DomainName')]}"
API_URL = f"https://{FAKE_IDS['HttpApi']}.execute-api.{REGION}.amazonaws.com"
DISTRIBUTION_ARN = f"arn:aws:cloudfront::{ACCOUNT}:distribution/{FAKE_IDS['SiteDistribution']}"
ROUTES = {
    ("post", "/predict"),
    ("post", "/feedback"),
    ("get", "/health"),
    ("get", "/model"),
    ("get", "/docs"),
    ("get", "/openapi.json"),
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@cache
def translated(**parameters: str) -> dict[str, Any]:
    return _translate(parameters)


def resources(template: dict[str, Any], **parameters: str) -> dict[str, dict[str, Any]]:
    return Evaluator(template, parameters).resources()


def props(evaluated: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    value: dict[str, Any] = evaluated[name]["Properties"]
    return value


def allowed_pattern(template: dict[str, Any], parameter: str) -> re.Pattern[str]:
    # CloudFormation matches AllowedPattern against the whole value (Java regex; these
    # patterns mean the same in Python's dialect).
    return re.compile(template["Parameters"][parameter]["AllowedPattern"])


# --- CORS --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", [SITE_ORIGIN]),
        ("http://localhost:8000", [SITE_ORIGIN, "http://localhost:8000"]),
        (
            "http://localhost:8000,https://example.org",
            [SITE_ORIGIN, "http://localhost:8000", "https://example.org"],
        ),
    ],
)
def test_cors_allows_the_site_origin_plus_the_extra_ones(
    template: dict[str, Any], extra: str, expected: list[str]
) -> None:
    cors = props(resources(template, ExtraAllowedOrigins=extra), "HttpApi")["CorsConfiguration"]
    assert cors["AllowOrigins"] == expected
    assert cors["AllowMethods"] == ["GET", "POST", "OPTIONS"]
    assert cors["AllowHeaders"] == ["content-type"]
    assert "AllowCredentials" not in cors


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "https://*.example.org",
        "https://example.org/path",
        "null",
        "example.org",
        "https://a,*",
    ],
)
def test_extra_origins_parameter_refuses_wildcards_and_non_origins(
    template: dict[str, Any], value: str
) -> None:
    assert not allowed_pattern(template, "ExtraAllowedOrigins").fullmatch(value)


@pytest.mark.parametrize(
    "value", ["", "http://localhost:8000", "http://127.0.0.1:8000,https://digits.example.org"]
)
def test_extra_origins_parameter_accepts_origins(template: dict[str, Any], value: str) -> None:
    assert allowed_pattern(template, "ExtraAllowedOrigins").fullmatch(value)


@pytest.mark.parametrize("extra", ["", "http://localhost:8000"])
def test_translated_api_carries_the_cors_object_gateway_answers_with(extra: str) -> None:
    # SAM moves CorsConfiguration into the OpenAPI body; an intrinsic in the wrong place makes
    # it replace the whole object, so check what the API would really be created with.
    cfn = translated(ExtraAllowedOrigins=extra)
    api = Evaluator(cfn, {"ExtraAllowedOrigins": extra}).resources()["HttpApi"]
    cors = api["Properties"]["Body"]["x-amazon-apigateway-cors"]
    assert cors == {
        "allowOrigins": [SITE_ORIGIN, *([extra] if extra else [])],
        "allowMethods": ["GET", "POST", "OPTIONS"],
        "allowHeaders": ["content-type"],
        "maxAge": 600,
    }


# --- The site ----------------------------------------------------------------------------


def test_site_bucket_is_private_encrypted_and_owner_enforced(template: dict[str, Any]) -> None:
    bucket = props(resources(template), "SiteBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert "AccessControl" not in bucket
    assert "WebsiteConfiguration" not in bucket


def test_only_this_distribution_may_read_the_bucket(template: dict[str, Any]) -> None:
    policy = props(resources(template), "SiteBucketPolicy")
    assert policy["Bucket"] == FAKE_IDS["SiteBucket"]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "CloudFrontReadsThroughOAC",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{FAKE_ATTRS[('SiteBucket', 'Arn')]}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": DISTRIBUTION_ARN}},
        }
    ]
    denies = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert [d["Condition"] for d in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]


def test_cloudfront_uses_origin_access_control_and_https_only(template: dict[str, Any]) -> None:
    evaluated = resources(template)
    config = props(evaluated, "SiteDistribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["DomainName"] == FAKE_ATTRS[("SiteBucket", "RegionalDomainName")]
    assert origin["OriginAccessControlId"] == "<SiteOriginAccessControl.Id>"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    oac = props(evaluated, "SiteOriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("s3", "always")
    assert oac["SigningProtocol"] == "sigv4"
    assert config["DefaultRootObject"] == "index.html"
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    for behavior in behaviors:
        assert behavior["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
        assert behavior["ResponseHeadersPolicyId"] == "<SiteHeadersPolicy>"
    assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}


def csp_of(template: dict[str, Any], **parameters: str) -> dict[str, list[str]]:
    policy = props(resources(template, **parameters), "SiteHeadersPolicy")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["ContentSecurityPolicy"]["Override"] is True
    text = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = [d.split() for d in text.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_csp_pinned_to_the_api_allows_only_the_site_and_that_api(
    template: dict[str, Any],
) -> None:
    assert allowed_pattern(template, "ApiOriginForCsp").fullmatch(API_URL)
    csp = csp_of(template, ApiOriginForCsp=API_URL)
    assert csp["default-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'", API_URL]
    for directive in ("script-src", "style-src", "manifest-src"):
        assert csp[directive] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]  # the model's 28x28 preview is a data: URL
    assert csp["frame-ancestors"] == csp["object-src"] == csp["base-uri"] == ["'none'"]
    sources = {source for values in csp.values() for source in values}
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:", "http:"} & sources


def test_csp_before_pinning_allows_only_this_regions_api_hosts(template: dict[str, Any]) -> None:
    csp = csp_of(template)
    assert csp["connect-src"] == ["'self'", f"https://*.execute-api.{REGION}.amazonaws.com"]
    assert csp["script-src"] == ["'self'"]


@pytest.mark.parametrize("value", ["*", "https://evil.example.org", f"{API_URL}/", "http://x"])
def test_csp_api_origin_parameter_takes_only_an_execute_api_origin(
    template: dict[str, Any], value: str
) -> None:
    assert not allowed_pattern(template, "ApiOriginForCsp").fullmatch(value)


def test_site_sends_hsts_nosniff_and_no_framing(template: dict[str, Any]) -> None:
    policy = props(resources(template), "SiteHeadersPolicy")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"]["FrameOption"] == "DENY"


# --- The API and the function ------------------------------------------------------------


def test_api_throttling_comes_from_the_parameters(template: dict[str, Any]) -> None:
    cfn = translated(ThrottlingRateLimit="7", ThrottlingBurstLimit="9")
    stage = Evaluator(cfn, {"ThrottlingRateLimit": "7", "ThrottlingBurstLimit": "9"}).resources()[
        "HttpApiApiGatewayDefaultStage"
    ]
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == ("7", "9")
    defaults = props(resources(template), "HttpApi")["DefaultRouteSettings"]
    assert int(defaults["ThrottlingRateLimit"]) > 0
    assert int(defaults["ThrottlingBurstLimit"]) >= int(defaults["ThrottlingRateLimit"])
    assert (
        stage["Properties"]["AccessLogSettings"]["DestinationArn"]
        == (FAKE_ATTRS[("ApiAccessLogGroup", "Arn")])
    )


def test_translated_api_has_exactly_the_routes_on_the_live_alias() -> None:
    cfn = translated()
    body = cfn["Resources"]["HttpApi"]["Properties"]["Body"]
    routes = {(method, path) for path, item in body["paths"].items() for method in item}
    assert routes == ROUTES
    for path, item in body["paths"].items():
        for integration in (op["x-amazon-apigateway-integration"] for op in item.values()):
            assert integration["payloadFormatVersion"] == "2.0", path
            assert "${DigitFunctionAliaslive}" in integration["uri"]["Fn::Sub"], path


def test_function_is_an_image_with_alias_and_settings_in_bounds(template: dict[str, Any]) -> None:
    function = template["Resources"]["DigitFunction"]
    evaluated = props(resources(template), "DigitFunction")
    assert evaluated["PackageType"] == "Image"
    assert set(template["Parameters"]["Architecture"]["AllowedValues"]) == {"x86_64", "arm64"}
    assert evaluated["Architectures"] == [template["Parameters"]["Architecture"]["Default"]]
    assert evaluated["AutoPublishAlias"] == "live"
    timeout = template["Globals"]["Function"]["Timeout"]
    assert 3 <= timeout < 30  # the HTTP API gives up on an integration after 30 s
    assert 128 <= int(evaluated["MemorySize"]) <= 10240
    assert evaluated["LoggingConfig"]["LogGroup"] == "<FunctionLogGroup>"
    log_group = props(resources(template), "FunctionLogGroup")
    assert int(log_group["RetentionInDays"]) > 0
    assert {"Dockerfile", "DockerContext", "DockerTag"} <= set(function["Metadata"])


@pytest.mark.parametrize(("value", "expected"), [("0", None), ("3", 3)])
def test_provisioned_concurrency_is_optional_and_off_by_default(
    template: dict[str, Any], value: str, expected: int | None
) -> None:
    assert template["Parameters"]["ProvisionedConcurrency"]["Default"] == 0
    cfn = translated(ProvisionedConcurrency=value)
    alias = Evaluator(cfn, {"ProvisionedConcurrency": value}).resources()["DigitFunctionAliaslive"]
    config = alias["Properties"].get("ProvisionedConcurrencyConfig")
    if expected is None:
        assert config is None
    else:
        assert int(config["ProvisionedConcurrentExecutions"]) == expected


# --- IAM ---------------------------------------------------------------------------------


def statements(evaluated: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every permission statement: IAM role and policy documents, resource policies."""
    found = []
    for name, resource in evaluated.items():
        properties = resource["Properties"]
        documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        documents += [properties["PolicyDocument"]] if "PolicyDocument" in properties else []
        for document in documents:
            found += [(name, statement) for statement in document["Statement"]]
    return found


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("model_uri", ["", "s3://digit-models/releases/digit_model_28.joblib"])
def test_iam_allows_no_wildcard_action_and_only_named_resources(model_uri: str) -> None:
    cfn = translated(ModelS3Uri=model_uri, AlarmEmail="ops@example.org")
    evaluated = Evaluator(cfn, {"ModelS3Uri": model_uri, "AlarmEmail": "ops@example.org"})
    found = statements(evaluated.resources())
    assert {name for name, _ in found} >= {"FunctionRole", "SiteBucketPolicy", "AlarmTopicPolicy"}
    for name, statement in found:
        if statement["Effect"] == "Deny":
            continue  # a Deny may be broad: it only takes permissions away
        for action in as_list(statement["Action"]):
            assert "*" not in action, (name, statement)
        for resource in as_list(statement["Resource"]):
            assert resource != "*", (name, statement)
            assert re.match(r"arn:aws:[a-z0-9-]+:", resource) or resource.startswith("<"), resource
            if resource == FEEDBACK_OBJECTS:  # any new object under the prefix, PutObject only
                assert as_list(statement["Action"]) == ["s3:PutObject"], statement
                continue
            assert "*" not in resource.rsplit(":", 1)[0], (name, resource)  # only log streams
    function_resources = [
        r for name, s in found if name == "FunctionRole" for r in as_list(s["Resource"])
    ]
    expected = [FAKE_ATTRS[("FunctionLogGroup", "Arn")], FEEDBACK_OBJECTS]
    if model_uri:
        expected.append("arn:aws:s3:::digit-models/releases/digit_model_28.joblib")
    assert function_resources == expected


FEEDBACK_OBJECTS = "<FeedbackBucket.Arn>/feedback/*"


def test_feedback_bucket_is_private_encrypted_and_expires(template: dict[str, Any]) -> None:
    bucket = props(resources(template), "FeedbackBucket")
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and "Prefix" not in rule
    assert str(rule["ExpirationInDays"]) == "90"  # FeedbackRetentionDays' default
    function = props(resources(template), "DigitFunction")["Environment"]["Variables"]
    assert "FeedbackBucket" in str(function["FEEDBACK_BUCKET"])
    assert function["FEEDBACK_PREFIX"] == "feedback/"  # the prefix FunctionRole may write
    throttled = props(resources(template), "HttpApi")["RouteSettings"]["POST /feedback"]
    assert str(throttled["ThrottlingRateLimit"]) == "2"  # FeedbackThrottlingRateLimit


def test_function_role_trusts_only_lambda_in_this_account(template: dict[str, Any]) -> None:
    role = props(resources(template), "FunctionRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert "ManagedPolicyArns" not in role


def test_api_may_invoke_only_its_own_routes_on_the_alias() -> None:
    evaluated = Evaluator(translated()).resources()
    permissions = {
        name: r["Properties"]
        for name, r in evaluated.items()
        if r["Type"] == "AWS::Lambda::Permission"
    }
    arns = set()
    for permission in permissions.values():
        assert permission["Action"] == "lambda:InvokeFunction"
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert permission["FunctionName"] == "<DigitFunctionAliaslive>"
        arns.add(permission["SourceArn"])
    prefix = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{FAKE_IDS['HttpApi']}/*/"
    assert arns == {f"{prefix}{method.upper()}{path}" for method, path in ROUTES}


# --- Alarms and outputs ------------------------------------------------------------------


@pytest.mark.parametrize("email", ["", "ops@example.org"])
def test_alarms_cover_5xx_throttles_and_p99_and_notify_when_asked(
    template: dict[str, Any], email: str
) -> None:
    evaluated = resources(template, AlarmEmail=email)
    alarms = {
        # A metric-math alarm is named by the label of the series it compares.
        r["Properties"].get("MetricName") or r["Properties"]["Metrics"][0]["Label"]: r["Properties"]
        for r in evaluated.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert set(alarms) == {"5xx", "Throttles", "Duration", "server errors"}
    assert alarms["5xx"]["Namespace"] == "AWS/ApiGateway"
    assert {"Name": "ApiId", "Value": FAKE_IDS["HttpApi"]} in alarms["5xx"]["Dimensions"]
    assert alarms["Duration"]["ExtendedStatistic"] == "p99"
    for alarm in alarms.values():
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm.get("AlarmActions") == (["<AlarmTopic>"] if email else None)
    assert ("AlarmTopic" in evaluated) is bool(email)
    if email:
        topic = props(evaluated, "AlarmTopic")
        assert topic["Subscription"] == [{"Protocol": "email", "Endpoint": email}]


def test_outputs_are_the_ones_the_deploy_tools_read(template: dict[str, Any]) -> None:
    outputs = Evaluator(template).outputs()
    assert outputs == {
        "ApiUrl": API_URL,
        "SiteUrl": SITE_ORIGIN,
        "SiteBucketName": FAKE_IDS["SiteBucket"],
        "DistributionId": FAKE_IDS["SiteDistribution"],
        "FunctionName": FAKE_IDS["DigitFunction"],
        "FeedbackBucketName": "<FeedbackBucket>",
    }


# Settings the template leaves unset on purpose, each said so in a comment there:
# UNCERTAIN_BELOW then comes calibrated with the model (digits.inference.predictor).
UNSET_ON_PURPOSE = {"UNCERTAIN_BELOW"}


def test_environment_sets_every_setting_with_values_settings_accept(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from digits.settings import Settings

    env = props(resources(template), "DigitFunction")["Environment"]["Variables"]
    assert set(env) == {name.upper() for name in Settings.model_fields} - UNSET_ON_PURPOSE
    text = (ROOT / "template.yaml").read_text()
    for name in UNSET_ON_PURPOSE:
        assert f"# {name} is left unset" in text
        assert getattr(Settings(), name.lower()) is None
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.cors_origins == ()  # API Gateway answers CORS in AWS
    assert str(settings.model_path).startswith("/var/task/models/")
    assert settings.log_level == template["Parameters"]["LogLevel"]["Default"]
    assert set(template["Parameters"]["LogLevel"]["AllowedValues"]) <= {
        "DEBUG",
        "INFO",
        "WARNING",
        "ERROR",
        "CRITICAL",
    }
    # Limits the API contract promises are reachable through API Gateway and Lambda (6 MB).
    assert 100_000 <= settings.max_body_bytes <= 6_000_000 * 3 // 4


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_image_metadata_points_at_the_dockerfile_and_its_context(template: dict[str, Any]) -> None:
    metadata = template["Resources"]["DigitFunction"]["Metadata"]
    context = ROOT / metadata["DockerContext"]
    dockerfile = context / metadata["Dockerfile"]
    assert dockerfile.is_file()
    copies = [
        args.split()
        for instruction, args in dockerfile_instructions(dockerfile)
        if instruction == "COPY"
    ]
    for *sources, _ in copies:
        for source in sources:
            assert (context / source).exists(), f"COPY {source}: not in the build context"


def test_model_path_is_where_the_image_puts_the_model(template: dict[str, Any]) -> None:
    metadata = template["Resources"]["DigitFunction"]["Metadata"]
    context = ROOT / metadata["DockerContext"]
    instructions = dockerfile_instructions(context / metadata["Dockerfile"])
    env = props(resources(template), "DigitFunction")["Environment"]["Variables"]
    # The Lambda base images' LAMBDA_TASK_ROOT; the COPY lines write under it.
    task_root = "/var/task"
    model = PurePosixPath(env["MODEL_PATH"])
    placed = False
    for instruction, args in instructions:
        if instruction != "COPY":
            continue
        *sources, destination = args.replace("${LAMBDA_TASK_ROOT}", task_root).split()
        for source in sources:
            if model.is_relative_to(destination):
                relative = model.relative_to(destination)
                placed = placed or (context / source / relative).is_file()
    assert placed, f"no COPY puts a file at {model}"


def test_handler_is_the_images_cmd_and_exists() -> None:
    metadata = load_template()["Resources"]["DigitFunction"]["Metadata"]
    context = ROOT / metadata["DockerContext"]
    instructions = dockerfile_instructions(context / metadata["Dockerfile"])
    (cmd,) = [json.loads(args) for instruction, args in instructions if instruction == "CMD"]
    (handler,) = cmd
    module, attribute = handler.rsplit(".", 1)
    source = ROOT / "function" / (module.replace(".", "/") + ".py")
    assigned = {
        target.id
        for node in ast.parse(source.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert attribute in assigned
