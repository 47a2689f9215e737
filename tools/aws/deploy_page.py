"""Publish frontend_static/ to the stack's site bucket, after `sam deploy`.

Reads the stack's outputs (ApiUrl, SiteBucketName, DistributionId, SiteUrl), writes the API URL
into the uploaded config.js (the file in the repository stays as it is), uploads what changed
with its Content-Type and Cache-Control, deletes objects that no longer exist locally, and
invalidates CloudFront when anything changed. Running it twice changes nothing the second time.

    python -m tools.aws.deploy_page [--stack-name NAME] [--region REGION] [--dry-run] [--empty]

--empty deletes every object instead (the bucket must be empty before `sam delete`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import re
import sys
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parents[2]
SITE_DIR = ROOT / "frontend_static"
SAMCONFIG = ROOT / "samconfig.toml"

# Output names of template.yaml that this command relies on.
REQUIRED_OUTPUTS = ("ApiUrl", "SiteBucketName", "DistributionId", "SiteUrl")

# Re-fetched on every visit (revalidated with the ETag): the entry point, and the file that
# says where the API is, so a deploy shows up at once.
NO_CACHE_FILES = frozenset({"index.html", "config.js"})
NO_CACHE = "no-cache"
# The other files keep their names from one deploy to the next (no content hash in them), so
# a year-long "immutable" would pin old code in browsers; a day bounds how long an old
# module can meet a new index.html, while CloudFront's copy is invalidated on each deploy.
LONG_CACHE = "public, max-age=86400"

# Explicit types for what the page ships: browsers refuse ES modules served with any type
# but a JavaScript one, and the platform's mimetypes table varies between machines.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}

CONFIG_LINE = re.compile(r'^export const API_BASE_URL = "[^"\n]*";$', re.MULTILINE)
# Stored on each object so a re-run can tell "unchanged" without downloading it.
SHA_KEY = "sha256"


class DeployError(Exception):
    """A reason to stop before (or instead of) touching the bucket."""


@dataclass(frozen=True)
class LocalFile:
    key: str
    body: bytes
    content_type: str
    cache_control: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class Plan:
    upload: list[LocalFile] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.upload or self.delete)


def content_type_for(key: str) -> str:
    suffix = Path(key).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(key)
    return guessed or "application/octet-stream"


def cache_control_for(key: str) -> str:
    return NO_CACHE if key in NO_CACHE_FILES else LONG_CACHE


def render_config(source: str, api_url: str) -> str:
    """config.js with API_BASE_URL set to api_url; the rest of the file kept as it is."""
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?", api_url):
        raise DeployError(f"ApiUrl output is not an https URL: {api_url!r}")
    matches = CONFIG_LINE.findall(source)
    if len(matches) != 1:
        raise DeployError(
            'config.js must hold exactly one line `export const API_BASE_URL = "...";`, '
            f"found {len(matches)}"
        )
    line = f"export const API_BASE_URL = {json.dumps(api_url.rstrip('/'))};"
    return CONFIG_LINE.sub(line, source)


def local_files(site_dir: Path, api_url: str) -> list[LocalFile]:
    """The page as it should be in the bucket (dotfiles and caches left out)."""
    if not (site_dir / "index.html").is_file() or not (site_dir / "config.js").is_file():
        raise DeployError(f"{site_dir} has no index.html and config.js: not the page folder")
    files = []
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir)
        if not path.is_file() or any(
            part.startswith(".") or part == "__pycache__" for part in rel.parts
        ):
            continue
        key = rel.as_posix()
        body = path.read_bytes()
        if key == "config.js":
            body = render_config(body.decode("utf-8"), api_url).encode("utf-8")
        files.append(LocalFile(key, body, content_type_for(key), cache_control_for(key)))
    return files


def upload_order(files: Iterable[LocalFile]) -> list[LocalFile]:
    """Assets, then config.js, index.html last: no visitor gets a page whose files are missing."""
    rank = {"config.js": 1, "index.html": 2}
    return sorted(files, key=lambda f: (rank.get(f.key, 0), f.key))


def read_stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
    if missing:
        raise DeployError(
            f"stack {stack_name} lacks outputs {', '.join(missing)} (not from template.yaml?)"
        )
    return outputs


def remote_keys(s3: Any, bucket: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def is_current(s3: Any, bucket: str, wanted: LocalFile) -> bool:
    head = s3.head_object(Bucket=bucket, Key=wanted.key)
    return bool(
        head.get("Metadata", {}).get(SHA_KEY) == wanted.sha256
        and head.get("ContentType") == wanted.content_type
        and head.get("CacheControl") == wanted.cache_control
    )


def make_plan(s3: Any, bucket: str, files: Sequence[LocalFile]) -> Plan:
    existing = set(remote_keys(s3, bucket))
    plan = Plan()
    for wanted in upload_order(files):
        if wanted.key in existing and is_current(s3, bucket, wanted):
            plan.unchanged.append(wanted.key)
        else:
            plan.upload.append(wanted)
    plan.delete = sorted(existing - {f.key for f in files})
    return plan


def apply_plan(
    s3: Any, cloudfront: Any, bucket: str, distribution_id: str, plan: Plan
) -> str | None:
    """Carries the plan out; returns the CloudFront invalidation id, if one was needed."""
    for item in plan.upload:
        s3.put_object(
            Bucket=bucket,
            Key=item.key,
            Body=item.body,
            ContentType=item.content_type,
            CacheControl=item.cache_control,
            Metadata={SHA_KEY: item.sha256},
        )
    for start in range(0, len(plan.delete), 1000):  # DeleteObjects takes at most 1000 keys
        chunk = plan.delete[start : start + 1000]
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
    if not plan.changed:
        return None
    # One wildcard path counts as one path for CloudFront's billing, whatever it matches.
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"deploy-page-{time.time_ns()}",
        },
    )
    return str(response["Invalidation"]["Id"])


def samconfig_defaults(path: Path = SAMCONFIG) -> dict[str, str]:
    """stack_name and region from samconfig.toml's default environment, when it has them."""
    if not path.is_file():
        return {}
    config = tomllib.loads(path.read_text(encoding="utf-8")).get("default", {})
    found: dict[str, str] = {}
    for section in ("global", "deploy"):
        params = config.get(section, {}).get("parameters", {})
        found.update({k: str(params[k]) for k in ("stack_name", "region") if k in params})
    return found


def describe(plan: Plan, dry_run: bool) -> str:
    verb = "would " if dry_run else ""
    lines = [f"  {verb}upload  {f.key}  ({f.content_type}; {f.cache_control})" for f in plan.upload]
    lines += [f"  {verb}delete  {key}" for key in plan.delete]
    lines.append(
        f"  {len(plan.upload)} to upload, {len(plan.delete)} to delete, "
        f"{len(plan.unchanged)} unchanged"
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = samconfig_defaults()
    parser = argparse.ArgumentParser(
        prog="python -m tools.aws.deploy_page",
        description="Publish frontend_static/ to the site bucket and invalidate CloudFront.",
    )
    parser.add_argument(
        "--stack-name", default=defaults.get("stack_name"), help="default: samconfig.toml"
    )
    parser.add_argument("--region", default=defaults.get("region"), help="default: samconfig.toml")
    parser.add_argument("--profile", default=None, help="AWS CLI profile to use")
    parser.add_argument("--site-dir", type=Path, default=SITE_DIR)
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change; write nothing"
    )
    parser.add_argument(
        "--empty", action="store_true", help="delete every object (before `sam delete`)"
    )
    args = parser.parse_args(argv)
    if not args.stack_name:
        parser.error("--stack-name is required (no samconfig.toml default)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    try:
        outputs = read_stack_outputs(session.client("cloudformation"), args.stack_name)
        files = [] if args.empty else local_files(args.site_dir, outputs["ApiUrl"])
        s3 = session.client("s3")
        bucket = outputs["SiteBucketName"]
        plan = make_plan(s3, bucket, files)
        source = "nothing (--empty)" if args.empty else args.site_dir
        print(f"s3://{bucket} <- {source}  (API: {outputs['ApiUrl']})")
        print(describe(plan, args.dry_run))
        if args.dry_run:
            return 0
        invalidation = apply_plan(
            s3, session.client("cloudfront"), bucket, outputs["DistributionId"], plan
        )
    except (DeployError, BotoCoreError, ClientError) as error:
        # AWS errors (no credentials, no such stack, access denied) say what is wrong already.
        print(f"deploy_page: {error}", file=sys.stderr)
        return 2
    if invalidation:
        print(f"  CloudFront invalidation {invalidation} (/*) started")
    else:
        print("  nothing changed: no invalidation")
    print(f"Site: {outputs['SiteUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
