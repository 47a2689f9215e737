"""Read a CloudFormation/SAM template as CloudFormation does, and evaluate its intrinsics.

The evaluator covers the functions template.yaml uses (Ref, GetAtt, Sub, If, Split, Select,
Join and the condition functions); anything else raises, so a new construct cannot slip past
unevaluated. A resource's Ref and attributes are what the caller passes in ``ids``/``attrs``, or
a readable placeholder ("<SiteHeadersPolicy>", "<SiteBucket.Arn>"). Pseudo parameters default
to PSEUDO. Used by tests/infra (with realistic fake ids) and by tools/local/local_apigw.py
(the site's response headers). Needs only PyYAML, so it runs on the project's venv and SAM
CLI's alike.
Not cloud-radar (0.17.0, measured): it evaluates both branches of every Fn::If, so the default
template (no ModelS3Uri) fails in Fn::Select, and it imports in 0.95 s with botocore.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
PSEUDO = {
    "AWS::Region": "ap-northeast-2",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "digit-lambda",
    "AWS::StackId": (
        "arn:aws:cloudformation:ap-northeast-2:123456789012:stack/digit-lambda/"
        "0b7c1a40-1111-2222-3333-444455556666"
    ),
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, !GetAtt ...)."""


def _tag(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(
            None, None, f"odd node for !{suffix}", node.start_mark
        )
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=CfnLoader)  # noqa: S506
    return data


class Evaluator:
    """Evaluates a template's intrinsics as CloudFormation would for one set of parameters."""

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, str] | None = None,
        pseudo: dict[str, str] | None = None,
        ids: dict[str, str] | None = None,
        attrs: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.template = template
        self.pseudo = {**PSEUDO, **(pseudo or {})}
        self.ids = ids or {}
        self.attrs = attrs or {}
        declared = template.get("Parameters", {})
        unknown = set(parameters or {}) - set(declared)
        if unknown:
            raise KeyError(f"not parameters of the template: {sorted(unknown)}")
        self.params = {k: str(v.get("Default", "")) for k, v in declared.items()}
        self.params.update(parameters or {})
        self._conditions: dict[str, bool] = {}

    # -- conditions ---------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self._conditions[name]

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources CloudFormation would create, with their properties evaluated."""
        out = {}
        for name, resource in self.template["Resources"].items():
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            evaluated = dict(resource)
            evaluated["Properties"] = self.value(resource.get("Properties", {}))
            out[name] = evaluated
        return out

    def outputs(self) -> dict[str, Any]:
        return {k: self.value(v["Value"]) for k, v in self.template.get("Outputs", {}).items()}

    # -- values -------------------------------------------------------------------------
    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        if name in self.template["Resources"] or name in self._sam_generated():
            return self.ids.get(name, f"<{name}>")
        raise KeyError(f"Ref to unknown {name}")

    def _sam_generated(self) -> set[str]:
        """Names SAM's transform adds that a template may refer to before it runs: a function's
        Version and Alias, and the CodeDeploy application and group of a DeploymentPreference."""
        names = set()
        for name, resource in self.template["Resources"].items():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            names |= {f"{name}.Version", f"{name}.Alias"}
            if resource.get("Properties", {}).get("DeploymentPreference"):
                names |= {"ServerlessDeploymentApplication", f"{name}DeploymentGroup"}
        return names

    def getatt(self, resource: str, attribute: str) -> Any:
        if resource not in self.template["Resources"]:
            raise KeyError(f"GetAtt of unknown resource {resource}")
        return self.attrs.get((resource, attribute), f"<{resource}.{attribute}>")

    def sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                return str(self.getatt(*name.split(".", 1)))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.getatt(*arg)
            if key == "Fn::Sub":
                if isinstance(arg, str):
                    return self.sub(arg, {})
                text, variables = arg
                return self.sub(text, {k: self.value(v) for k, v in variables.items()})
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.value(when_true if self.condition(name) else when_false)
            if key == "Fn::Split":
                delimiter, source = arg
                return str(self.value(source)).split(delimiter)
            if key == "Fn::Select":
                index, items = arg
                return self.value(items)[int(self.value(index))]
            if key == "Fn::Join":
                delimiter, items = arg
                return delimiter.join(str(v) for v in self.value(items))
            if key == "Fn::Equals":
                left, right = (self.value(v) for v in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(v) for v in arg)
            if key == "Fn::Or":
                return any(self.value(v) for v in arg)
            if key == "Condition":
                return self.condition(arg)
            if key.startswith("Fn::"):
                raise NotImplementedError(
                    f"{key} is not evaluated here: extend tools/aws/cfn_eval.py"
                )
        evaluated = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in evaluated.items() if v is not NO_VALUE}
