"""JSON Schemas: current with the models, printed by `ceasefire schema`, and met by every shipped file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine.cli.main import main
from engine.schemas import KINDS, path_of, schema_text
from engine.yamlsafe import load_yaml
from tests.conftest import ROOT

COMMENT = "# yaml-language-server: $schema="
FILES = {
    "ruleset": sorted({*ROOT.glob("rules/*.yaml"), *ROOT.glob("rules/variants/*.yaml")}),
    "scenario": sorted(ROOT.glob("scenarios/*.yaml")),
}
SHIPPED = [(kind, path) for kind, paths in FILES.items() for path in paths]


def validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads(path_of(kind).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def errors(kind: str, data: Any) -> list[str]:
    return sorted(e.message for e in validator(kind).iter_errors(data))


@pytest.mark.parametrize("kind", KINDS)
def test_the_committed_schema_is_current(kind: str) -> None:
    assert path_of(kind).read_text(encoding="utf-8") == schema_text(kind), (
        f"{path_of(kind).name} is stale: run `ceasefire schema {kind} --write` and commit it"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_schema_prints_the_committed_copy(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", kind]) == 0
    assert capsys.readouterr().out == path_of(kind).read_text(encoding="utf-8")


def test_an_unknown_schema_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["schema", "rulesets"])
    assert exc.value.code == 2
    assert "invalid choice: 'rulesets'" in capsys.readouterr().err


def test_every_shipped_file_is_covered() -> None:
    assert len(FILES["ruleset"]) >= 4 and len(FILES["scenario"]) >= 1


@pytest.mark.parametrize(("kind", "path"), SHIPPED, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_shipped_file_meets_its_schema(kind: str, path: Path) -> None:
    assert errors(kind, load_yaml(path).data) == []


@pytest.mark.parametrize(("kind", "path"), SHIPPED, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_shipped_file_names_its_schema_on_its_first_line(kind: str, path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(COMMENT)
    target = (path.parent / first.removeprefix(COMMENT)).resolve()
    assert target == path_of(kind)
    assert not Path(first.removeprefix(COMMENT)).is_absolute()


def syria() -> dict[str, Any]:
    return copy.deepcopy(load_yaml(ROOT / "rules" / "syria-2016-09.yaml").data)


def changed(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("parties", "isis", "role"), "exclude"),
        (("parties", "isis", "alias"), ["ISIS"]),
        (("window", "start"), "2016-09-12T19:00:00+03:00"),
        (("rules", 0, "when"), {"actor.rol": "covered"}),  # a field no condition has
        (("rules", 0, "when"), {"actor.role": {"ne": "covered"}}),  # an operator there is not
        (("rules", 0, "when"), {"actor.role": "coverd"}),  # roles are a fixed list
        (("rules", 0, "when"), {"act": {"lt": 3}}),  # ordering only for counts
        (("rules", 0, "when"), {"any": []}),
        (("rules", 0, "when"), {}),  # would hold for every incident: `when: always` says so
        (("rules", 0, "when"), {"killed": {}}),
        (("rules", 0, "when"), {"any": [{}]}),
        (("rules", 0, "when"), "sometimes"),
        (("rules", 0, "when"), {"policy.Mistaken": "x"}),
        (("rules", 0, "priority"), -1),
        (("rules", 0, "verdict"), "disputed"),
    ],
)
def test_the_ruleset_schema_refuses_what_the_models_refuse(path: tuple[Any, ...], value: Any) -> None:
    assert errors("ruleset", changed(syria(), path, value)) != []


@pytest.mark.parametrize(
    "when",
    [
        "always",
        {"killed": {"gte": 10, "lt": 20}, "wounded": [1, 2]},
        {"any": [{"act": "airstrike"}, {"all": [{"act.hostile": True}, {"in_window": {"present": False}}]}]},
        {"actor.party": {"not": ["isis", "jfs"]}, "policy.mistaken_target": ["permitted", "violation"]},
    ],
)
def test_the_ruleset_schema_accepts_every_form_of_condition(when: dict[str, Any] | str) -> None:
    assert errors("ruleset", changed(syria(), ("rules", 0, "when"), when)) == []


def test_a_variant_may_change_any_part_and_delete_with_null_but_not_misspell() -> None:
    variant = {
        "extends": "syria-2016-09",
        "id": "v",
        "parties": {"jfs": {"role": "covered", "side": "opposition"}, "isis": None},
        "policy": {"mistaken_target": "violation"},
        "window": {"until": None},
    }
    assert errors("ruleset", variant) == []
    assert errors("ruleset", {**variant, "parties": {"jfs": {"role": "cover"}}}) != []
    assert errors("ruleset", {**variant, "polcy": {}}) != []
    assert errors("ruleset", {"id": "v"}) != []  # no `extends`: a whole ruleset, which this is not


def test_the_scenario_schema_refuses_what_the_models_refuse() -> None:
    data = load_yaml(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml").data
    assert errors("scenario", data) == []
    data["incidents"][0]["traget"] = "x"
    data["incidents"][1]["expect"] = {"verdict": "guilty"}
    del data["title"]
    assert len(errors("scenario", data)) == 3
