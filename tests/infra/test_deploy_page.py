"""tools/aws/deploy_page.py against moto: a CloudFormation stack, its S3 bucket and a distribution.

moto's CloudFormation cannot create this template whole (it lacks the HTTP API, CloudFront and
alarm types, among others), so the stack here holds the template's own SiteBucket definition and
outputs under the template's names; the distribution comes from moto's CloudFront API.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.infra.cfn import ROOT, load_template

from tools.aws import deploy_page
from tools.rehearsal.stack import create_distribution

REGION = "ap-northeast-2"
STACK = "digit-lambda-test"
API_URL = "https://abc123defg.execute-api.ap-northeast-2.amazonaws.com"


@pytest.fixture
def aws(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def site_stack_body(distribution_id: str, domain: str) -> str:
    template = load_template()
    bucket = {k: v for k, v in template["Resources"]["SiteBucket"].items() if k != "Metadata"}
    outputs = template["Outputs"]
    values = {
        "ApiUrl": API_URL,
        "SiteUrl": f"https://{domain}",
        "DistributionId": distribution_id,
        "FunctionName": "digit-lambda-test-DigitFunction-AbCdEf",
        "FeedbackBucketName": "digit-lambda-test-feedbackbucket-1a2b3c",
    }
    return json.dumps(
        {
            "Resources": {"SiteBucket": bucket},
            "Outputs": {
                # The template's own SiteBucketName output; the rest as a deployed stack has them.
                name: (outputs[name] if name == "SiteBucketName" else {"Value": values[name]})
                for name in outputs
            },
        }
    )


def create_site_stack() -> dict[str, str]:
    """The stack's site part and outputs in moto (inside mock_aws); its outputs."""
    distribution = create_distribution(boto3.client("cloudfront", region_name=REGION))
    distribution_id, domain = distribution["Id"], distribution["DomainName"]
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=STACK, TemplateBody=site_stack_body(distribution_id, domain)
    )
    described = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}


@pytest.fixture
def stack(aws: None) -> dict[str, str]:
    return create_site_stack()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(ROOT / "frontend_static", copy)
    return copy


def deploy(site: Path, *extra: str) -> int:
    return deploy_page.main(
        ["--stack-name", STACK, "--region", REGION, "--site-dir", str(site), *extra]
    )


def objects(bucket: str) -> dict[str, dict[str, Any]]:
    s3 = boto3.client("s3", region_name=REGION)
    found = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        head = s3.head_object(Bucket=bucket, Key=item["Key"])
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        found[item["Key"]] = {**head, "Body": body}
    return found


def invalidations(distribution_id: str) -> list[dict[str, Any]]:
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    listing = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    items: list[dict[str, Any]] = listing.get("Items", [])
    return items


def test_first_deploy_uploads_the_page_with_types_caching_and_the_api_url(
    stack: dict[str, str], site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_before = (site / "config.js").read_text(encoding="utf-8")
    assert deploy(site) == 0

    uploaded = objects(stack["SiteBucketName"])
    local = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert set(uploaded) == local
    assert uploaded["index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert uploaded["app.js"]["ContentType"] == "text/javascript; charset=utf-8"
    assert uploaded["style.css"]["ContentType"] == "text/css; charset=utf-8"
    assert uploaded["favicon.svg"]["ContentType"] == "image/svg+xml"
    for key, item in uploaded.items():
        expected = "no-cache" if key in {"index.html", "config.js"} else "public, max-age=86400"
        assert item["CacheControl"] == expected, key
    for key in local - {"config.js"}:
        assert uploaded[key]["Body"] == (site / key).read_bytes(), key

    config = uploaded["config.js"]["Body"].decode()
    assert f'export const API_BASE_URL = "{API_URL}";' in config.splitlines()
    assert config.replace(API_URL, "") == config_before  # only the URL changed
    assert (site / "config.js").read_text(encoding="utf-8") == config_before

    (invalidation,) = invalidations(stack["DistributionId"])
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    batch = cloudfront.get_invalidation(
        DistributionId=stack["DistributionId"], Id=invalidation["Id"]
    )["Invalidation"]["InvalidationBatch"]
    assert batch["Paths"]["Items"] == ["/*"]
    out = capsys.readouterr().out
    assert f"{len(local)} to upload, 0 to delete, 0 unchanged" in out
    assert stack["SiteUrl"] in out


def test_second_deploy_changes_nothing_and_invalidates_nothing(
    stack: dict[str, str], site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deploy(site) == 0
    before = objects(stack["SiteBucketName"])
    capsys.readouterr()

    assert deploy(site) == 0

    after = objects(stack["SiteBucketName"])
    assert {k: v["ETag"] for k, v in after.items()} == {k: v["ETag"] for k, v in before.items()}
    assert {k: v["LastModified"] for k, v in after.items()} == {
        k: v["LastModified"] for k, v in before.items()
    }
    assert len(invalidations(stack["DistributionId"])) == 1
    out = capsys.readouterr().out
    assert f"0 to upload, 0 to delete, {len(before)} unchanged" in out
    assert "nothing changed: no invalidation" in out


def test_changed_file_is_reuploaded_and_stale_objects_deleted(
    stack: dict[str, str], site: Path
) -> None:
    assert deploy(site) == 0
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=stack["SiteBucketName"], Key="old/app.v1.js", Body=b"stale")
    (site / "style.css").write_text("body { color: black; }\n", encoding="utf-8")

    assert deploy(site) == 0

    uploaded = objects(stack["SiteBucketName"])
    assert "old/app.v1.js" not in uploaded
    assert uploaded["style.css"]["Body"] == b"body { color: black; }\n"
    assert len(invalidations(stack["DistributionId"])) == 2


def test_dry_run_writes_nothing(
    stack: dict[str, str], site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deploy(site, "--dry-run") == 0
    assert objects(stack["SiteBucketName"]) == {}
    assert invalidations(stack["DistributionId"]) == []
    out = capsys.readouterr().out
    assert "would upload  index.html  (text/html; charset=utf-8; no-cache)" in out


def test_uploads_index_html_last(stack: dict[str, str], site: Path) -> None:
    files = deploy_page.local_files(site, API_URL)
    order = [f.key for f in deploy_page.upload_order(files)]
    assert order[-2:] == ["config.js", "index.html"]


def test_stack_without_the_outputs_is_refused(
    aws: None, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    body = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}
    cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps(body))
    assert deploy(site) == 2
    assert (
        "lacks outputs ApiUrl, SiteBucketName, DistributionId, SiteUrl" in capsys.readouterr().err
    )


def test_missing_stack_is_a_clear_error(
    aws: None, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deploy(site) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_command_reads_only_outputs_the_template_declares() -> None:
    assert set(deploy_page.REQUIRED_OUTPUTS) <= set(load_template()["Outputs"])


@pytest.mark.parametrize(
    "source",
    [
        "export const API_BASE_URL = '';\n",
        'export const API_BASE_URL = "";\nexport const API_BASE_URL = "";\n',
        "// nothing here\n",
    ],
)
def test_config_js_must_hold_the_line_exactly_once(source: str) -> None:
    with pytest.raises(deploy_page.DeployError, match="exactly one line"):
        deploy_page.render_config(source, API_URL)


@pytest.mark.parametrize("url", ["http://abc.example.org", 'https://x.org/";alert(1);"', ""])
def test_api_url_must_be_a_plain_https_url(url: str) -> None:
    with pytest.raises(deploy_page.DeployError, match="not an https URL"):
        deploy_page.render_config('export const API_BASE_URL = "";\n', url)


def test_samconfig_gives_the_stack_name_and_region() -> None:
    defaults = deploy_page.samconfig_defaults()
    assert defaults["stack_name"] == "digit-lambda"
    assert defaults["region"]


def test_empty_deletes_every_object_so_sam_delete_can_remove_the_bucket(
    stack: dict[str, str], site: Path
) -> None:
    assert deploy(site) == 0
    assert objects(stack["SiteBucketName"])
    assert deploy(site, "--empty", "--dry-run") == 0
    assert objects(stack["SiteBucketName"])
    assert deploy(site, "--empty") == 0
    assert objects(stack["SiteBucketName"]) == {}
