"""The rehearsal's deploy: the stack's outputs as the template makes them, and the page in the
bucket as `make deploy`'s own upload leaves it, served by the CloudFront stand-in."""

from __future__ import annotations

import re

import pytest
from tests.infra.cfn import ROOT

from tools.aws import deploy_page
from tools.aws.cfn_eval import load_template
from tools.rehearsal.rehearsal import Rehearsal
from tools.rehearsal.stack import allowed, upload_page

pytestmark = [pytest.mark.rehearsal, pytest.mark.lambda_runtime, pytest.mark.slow]

SITE_FILES = sorted(
    p.relative_to(ROOT / "frontend_static").as_posix()
    for p in (ROOT / "frontend_static").rglob("*")
    if p.is_file() and not p.name.startswith(".")
)


def test_the_outputs_are_the_templates_with_the_emulators_ids(rehearsal: Rehearsal) -> None:
    outputs = rehearsal.stack.outputs
    aws = rehearsal.aws
    (distribution,) = aws.client("cloudfront").list_distributions()["DistributionList"]["Items"]
    (api,) = aws.client("apigatewayv2").get_apis()["Items"]
    assert outputs["SiteUrl"] == f"https://{distribution['DomainName']}"
    assert outputs["DistributionId"] == distribution["Id"]
    assert outputs["ApiUrl"] == api["ApiEndpoint"]  # moto's, and the template's expression
    assert re.fullmatch(
        r"https://[a-z0-9]+\.execute-api\.ap-northeast-2\.amazonaws\.com", api["ApiEndpoint"]
    )
    bucket = outputs["SiteBucketName"]
    assert bucket in {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    # The CSP is pinned to this API: a value CloudFormation itself would accept.
    assert rehearsal.stack.parameters == {"ApiOriginForCsp": outputs["ApiUrl"]}
    assert allowed(load_template(), "ApiOriginForCsp", outputs["ApiUrl"])
    assert not allowed(load_template(), "ApiOriginForCsp", "https://127.0.0.1:8443")


def test_the_bucket_holds_the_page_as_the_upload_writes_it(rehearsal: Rehearsal) -> None:
    s3 = rehearsal.aws.client("s3")
    bucket = rehearsal.stack.outputs["SiteBucketName"]
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == SITE_FILES
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ContentType"] == deploy_page.content_type_for(key), key
        assert head["CacheControl"] == deploy_page.cache_control_for(key), key
    config = s3.get_object(Bucket=bucket, Key="config.js")["Body"].read().decode()
    api_url = rehearsal.stack.outputs["ApiUrl"]
    assert f'export const API_BASE_URL = "{api_url}";' in config
    source = (ROOT / "frontend_static" / "config.js").read_text(encoding="utf-8")
    assert 'export const API_BASE_URL = "";' in source  # the repository's copy is untouched


def test_the_upload_invalidated_the_distribution_once(rehearsal: Rehearsal) -> None:
    cloudfront = rehearsal.aws.client("cloudfront")
    distribution = rehearsal.stack.outputs["DistributionId"]
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert listed["Quantity"] == 1
    (item,) = listed["Items"]
    paths = cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])
    assert paths["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
    assert f"CloudFront invalidation {item['Id']} (/*) started" in rehearsal.upload_output
    assert f"Site: {rehearsal.stack.outputs['SiteUrl']}" in rehearsal.upload_output


def test_a_second_upload_changes_nothing(rehearsal: Rehearsal) -> None:
    again = upload_page(rehearsal.aws, rehearsal.stack)
    assert f"0 to upload, 0 to delete, {len(SITE_FILES)} unchanged" in again
    assert "nothing changed: no invalidation" in again


@pytest.mark.parametrize("key", ["index.html", "config.js", "app.js", "style.css", "favicon.svg"])
def test_the_site_serves_each_object_with_its_type_and_caching(
    rehearsal: Rehearsal, key: str
) -> None:
    with rehearsal.opener().open(f"{rehearsal.site.url}/{key}") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == deploy_page.content_type_for(key)
        assert response.headers["Cache-Control"] == deploy_page.cache_control_for(key)
        assert (
            response.read()
            == rehearsal.aws.client("s3")
            .get_object(Bucket=rehearsal.stack.outputs["SiteBucketName"], Key=key)["Body"]
            .read()
        )
