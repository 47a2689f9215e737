"""Print the CloudFormation that SAM makes of template.yaml (as `sam deploy` would submit it).

Runs on the infra venv, which has aws-sam-translator (its pydantic pin clashes with the
runtime's, so the project venv cannot import it):

    .venv/infra/bin/python tools/aws/sam_translate.py [template.yaml] [--region R] \
        [-p Key=Value ...]

Image functions get a placeholder ImageUri, as `sam build` fills one in from the built image;
zip functions a placeholder S3 CodeUri, as `sam package` would.
Nothing here calls AWS: the function uses its own role, so no managed policy is looked up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_IMAGE = "123456789012.dkr.ecr.{region}.amazonaws.com/digit-lambda:placeholder"
PLACEHOLDER_CODE = "s3://sam-artifacts-placeholder/{folder}.zip"


class NoManagedPolicies:
    """Managed-policy names resolve to nothing: a template that needs one fails loudly."""

    def load(self) -> dict[str, str]:
        return {}


def translate(template_text: str, region: str, parameters: dict[str, str]) -> dict[str, Any]:
    template = yaml_parse(template_text)
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if (
            resource.get("Type") == "AWS::Serverless::Function"
            and props.get("PackageType") == "Image"
        ):
            props.setdefault("ImageUri", PLACEHOLDER_IMAGE.format(region=region))
        elif resource.get("Type") == "AWS::Serverless::Function":
            # A zip function's local folder: `sam package` uploads it and writes its S3 URI.
            code = props.get("CodeUri", "")
            if isinstance(code, str) and not code.startswith("s3://"):
                props["CodeUri"] = PLACEHOLDER_CODE.format(folder=code.strip("/"))
    # The translator reads the region (for ARNs it writes) from the environment.
    os.environ["AWS_DEFAULT_REGION"] = region
    result: dict[str, Any] = transform(template, parameters, NoManagedPolicies())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("template", nargs="?", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--region", default="ap-northeast-2")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    parameters = dict(item.split("=", 1) for item in args.parameter)
    translated = translate(args.template.read_text(encoding="utf-8"), args.region, parameters)
    json.dump(translated, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
