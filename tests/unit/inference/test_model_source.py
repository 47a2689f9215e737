"""Model source: the baked file, or an S3 object fetched once and verified by sha256."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.function_support import settings_for, tiny_model

from digits.errors import ModelUnavailable
from digits.inference.model import sha256_of
from digits.inference.model_source import parse_s3_uri, resolve_model_file

BUCKET = "models-bucket"


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_the_baked_path_is_used_as_it_is(tmp_path: Path) -> None:
    model = tiny_model(tmp_path)
    assert resolve_model_file(settings_for(model)) == model


def test_a_baked_model_is_checked_when_a_sha256_is_set(tmp_path: Path) -> None:
    model = tiny_model(tmp_path)
    assert resolve_model_file(settings_for(model, model_sha256=sha256_of(model))) == model
    with pytest.raises(ModelUnavailable, match="refused"):
        resolve_model_file(settings_for(model, model_sha256="0" * 64))


def test_an_s3_model_is_downloaded_verified_and_cached(tmp_path: Path, s3: Any) -> None:
    model = tiny_model(tmp_path)
    digest = sha256_of(model)
    s3.upload_file(str(model), BUCKET, "models/tiny_model.joblib")
    s3.upload_file(str(model.with_suffix(".json")), BUCKET, "models/tiny_model.json")
    settings = settings_for(
        tmp_path / "unused",
        model_s3_uri=f"s3://{BUCKET}/models/tiny_model.joblib",
        model_sha256=digest,
        model_cache_dir=tmp_path / "cache",
    )
    fetched = resolve_model_file(settings)
    assert fetched.parent == tmp_path / "cache" and sha256_of(fetched) == digest
    assert fetched.with_suffix(".json").read_bytes() == model.with_suffix(".json").read_bytes()
    assert sorted(p.name for p in fetched.parent.iterdir()) == [
        f"{digest}.joblib",
        f"{digest}.json",
    ]
    # A second init in the same environment reuses /tmp: the object is not read again.
    s3.delete_object(Bucket=BUCKET, Key="models/tiny_model.joblib")
    assert resolve_model_file(settings) == fetched


def test_an_s3_model_with_another_hash_is_refused_and_not_kept(tmp_path: Path, s3: Any) -> None:
    model = tiny_model(tmp_path)
    s3.upload_file(str(model), BUCKET, "m.joblib")
    settings = settings_for(
        tmp_path / "unused",
        model_s3_uri=f"s3://{BUCKET}/m.joblib",
        model_sha256="a" * 64,
        model_cache_dir=tmp_path / "cache",
    )
    with pytest.raises(ModelUnavailable, match=r"expected a{64}: refused"):
        resolve_model_file(settings)
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_missing_s3_object_makes_the_model_unavailable(tmp_path: Path, s3: Any) -> None:
    settings = settings_for(
        tmp_path / "unused",
        model_s3_uri=f"s3://{BUCKET}/absent.joblib",
        model_sha256="b" * 64,
        model_cache_dir=tmp_path / "cache",
    )
    with pytest.raises(ModelUnavailable, match="cannot download"):
        resolve_model_file(settings)
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_s3_uri_without_a_sha256_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "unused", model_s3_uri=f"s3://{BUCKET}/m.joblib")
    with pytest.raises(ModelUnavailable, match="MODEL_SHA256"):
        resolve_model_file(settings)


@pytest.mark.parametrize("uri", ["https://bucket/key", "s3://", "s3://bucket", "s3://bucket/dir/"])
def test_malformed_s3_uris_are_refused(uri: str) -> None:
    with pytest.raises(ModelUnavailable):
        parse_s3_uri(uri)


def test_s3_uris_split_into_bucket_and_key() -> None:
    assert parse_s3_uri("s3://b/models/v2/m.joblib") == ("b", "models/v2/m.joblib")
