"""Raw durable_rules: syria-2016-09 written by hand in durable's JSON rule form, facts made by hand, same report.

Each incident is judged alone, so the report compared is `bench/timeless.yaml`'s: the ruleset without its
terms over time (phases, escalation), which would need the whole input before any verdict.

What one would write with durable_rules alone, to measure what the `durable` executor adds to it.
The conditions below are hand-written; the names, clauses and explanations are read from the YAML
file with PyYAML (a lookup table, not rules). `bench/run.py` checks that the report this writes is
byte for byte the `durable` executor's (but for the engine's name), so the two stay equivalent.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import yaml

from engine.places.areas import PLACE_TOLD
from engine.ruleset.load import load_ruleset

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable.engine

RULESET = Path(__file__).resolve().parent.parent / "rules" / "syria-2016-09.yaml"
TIMELESS = Path(__file__).resolve().parent / "timeless.yaml"  # the ruleset the report is `ceasefire run`'s under
VERDICTS = ("violation", "permitted", "not_covered", "disputed", "undetermined")
HARM = {"covered": "covered_party_harmed", "sponsor": "sponsor_harmed", "civilians": "civilians_harmed"}

INCIDENT = {"$ex": {"cfs": 1}}  # the session state fact never has it


def _any(field: str, *values: Any) -> dict[str, Any]:
    return {"$or": [{field: v} for v in values]}


BOUND = _any("actor_role", "covered", "sponsor")
HOSTILE = {"hostile": True}
PARTY_HIT = _any("target_role", "covered", "sponsor")

# The rules as durable_rules takes them: every rule that matches a fact fires, the caller decides.
CONDITIONS: dict[str, dict[str, Any]] = {
    "actor-unresolved": _any("actor_role", "unknown", "unidentified"),
    "actor-missing": {"$nex": {"actor_role": 1}},
    "actor-not-bound": {"actor_role": "excluded"},
    "actor-not-party": {
        "$or": [
            _any("actor_role", "not_party", "civilians"),
            {"$and": [{"actor_role": "sponsor"}, {"sponsors_bound": False}]},
        ]
    },
    "act-unresolved": {"$or": [{"act": "unknown"}, {"$nex": {"act": 1}}]},
    "outside-window": {"in_window": False},
    "outside-scope": {"in_scope": False},
    "non-hostile-act": {"hostile": False},
    "time-unknown": {"$nex": {"in_window": 1}},
    "place-unknown": {"$nex": {"in_scope": 1}},
    "aid-obstruction": {"$and": [BOUND, {"act": "aid_obstruction"}]},
    "attack-on-civilians": {"$and": [BOUND, HOSTILE, {"target_role": "civilians"}]},
    "air-combat-in-agreed-areas": {
        "$and": [{"actor_party": "syrian-government"}, {"act": "airstrike"}, {"agreed_area": True}]
    },
    "territorial-advance": {"$and": [{"actor_role": "covered"}, {"act": "territorial_advance"}, PARTY_HIT]},
    "strike-on-excluded": {"$and": [BOUND, HOSTILE, {"target_role": "excluded"}]},
    "mistaken-strike-permitted": {
        "$and": [BOUND, HOSTILE, PARTY_HIT, {"intended_role": "excluded"}, {"mistaken_target": "permitted"}]
    },
    "mistaken-strike-violation": {
        "$and": [BOUND, HOSTILE, PARTY_HIT, {"intended_role": "excluded"}, {"mistaken_target": "violation"}]
    },
    "attack-on-covered-party": {"$and": [BOUND, HOSTILE, PARTY_HIT]},
    "target-not-party": {"$and": [BOUND, HOSTILE, {"target_role": "not_party"}]},
    "target-unresolved": {
        "$and": [
            BOUND,
            HOSTILE,
            {"$or": [{"target_role": "unknown"}, {"target_role": "unidentified"}, {"$nex": {"target_role": 1}}]},
        ]
    },
}


def definition() -> dict[str, Any]:
    rules = {name: {"all": [{"m": {"$and": [INCIDENT, cond]}}], "run": name} for name, cond in CONDITIONS.items()}
    rules["otherwise"] = {"all": [{"m": INCIDENT}], "run": "otherwise"}  # else an unmatched fact raises
    return rules


def norm(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


class Host(durable.engine.Host):  # type: ignore[misc]
    """Actions record the rule's name; no timer thread (nothing here uses timers)."""

    def __init__(self, fired: list[str]) -> None:
        self.fired = fired
        super().__init__()

    def _run(self) -> None:
        pass

    def get_action(self, name: str) -> Callable[[Any], None]:
        fired = self.fired
        return (lambda c: None) if name == "otherwise" else (lambda c: fired.append(name))


class Truce:
    """The YAML file's tables: who is who, which acts, when and where, and what each rule says."""

    def __init__(self, path: Path = RULESET, judged: Path = TIMELESS) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.names: dict[str, tuple[str, str, str | None, str]] = {}
        for pid, party in data["parties"].items():
            for spelling in (pid, party["name"], *party.get("aliases", [])):
                self.names[norm(spelling)] = (pid, party["role"], party.get("side"), party["name"])
        for cls in ("civilians", "unidentified"):
            for spelling in (cls, *data.get(cls, {}).get("aliases", [])):
                self.names[norm(spelling)] = (cls, cls, None, cls)
        self.acts: dict[str, tuple[str, bool]] = {}
        self.act_words: dict[str, str] = {}  # what an explanation calls each act: its name, else its id
        for aid, act in data["acts"].items():
            self.act_words[aid] = act.get("name") or aid.replace("_", " ")
            for spelling in (aid, *([act["name"]] if act.get("name") else []), *act.get("aliases", [])):
                self.acts[norm(spelling)] = (aid, act["hostile"])
        self.start, self.until = (_moment(data["window"][k]) for k in ("from", "until"))
        # Where: names through the product's gazetteer, as an analyst would use one; the rules stay hand-written.
        self.compiled = load_ruleset(str(judged))
        self.id = self.compiled.id
        self.places = self.compiled.places
        self.policy = data["policy"]
        order = sorted(enumerate(data["rules"]), key=lambda r: (r[1]["priority"], r[0]))
        self.rules = [r for _, r in order]
        self.rank = {r["id"]: i for i, r in enumerate(self.rules)}

    def in_window(self, time: str | None) -> bool | None:
        if time is None:
            return None
        if len(time.strip()) == 10:
            first = datetime.combine(date.fromisoformat(time.strip()), datetime.min.time(), self.start.tzinfo)
            last = first + timedelta(days=1)
            if first >= self.start and last <= self.until:
                return True
            if last <= self.start or first >= self.until:
                return False
            return None
        moment = datetime.fromisoformat(time.strip())
        return self.start <= moment < self.until


class Raw:
    """Asserts each account's facts into durable_rules, then retracts them; every matching rule fires."""

    def __init__(self, truce: Truce) -> None:
        self.truce = truce
        self.fired: list[str] = []
        self.host = Host(self.fired)
        self.host.set_rulesets({"raw": definition()})
        self.seq = 0

    def person(self, spelling: str | None) -> tuple[str | None, str | None, str]:
        if spelling is None:
            return None, None, ""
        found = self.truce.names.get(norm(spelling))
        return (found[0], found[1], found[3]) if found else (None, "unknown", f"`{spelling}`")

    def judge(self, told: dict[str, Any], source: str | None) -> dict[str, Any]:
        t = self.truce
        actor, target, intended = (self.person(told.get(k)) for k in ("actor", "target", "intended_target"))
        act_given = told.get("act")
        found = t.acts.get(norm(act_given)) if act_given is not None else None
        act = found[0] if found else ("unknown" if act_given is not None else None)
        hostile = found[1] if found else None
        act_shown = t.act_words[found[0]] if found else f"`{act_given}`"
        place = t.places.resolve(tuple(told.get(k) for k in PLACE_TOLD))
        assert t.places.scope is not None
        in_scope = t.places.inside(t.places.scope, place)[0]
        agreed = t.places.inside(t.places.areas["agreed"], place)[0]
        fact: dict[str, Any] = {
            "cfs": 1,
            "actor_party": actor[0],
            "actor_role": actor[1],
            "target_role": target[1],
            "intended_role": intended[1],
            "act": act,
            "hostile": hostile,
            "in_window": t.in_window(told.get("time")),
            "in_scope": in_scope,
            "agreed_area": agreed,
            **t.policy,
        }
        self.seq += 1
        fact = {k: v for k, v in fact.items() if v is not None} | {"id": self.seq}
        self.fired.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.host.assert_fact("raw", fact)
            self.host.retract_fact("raw", fact)
        matched = sorted(self.fired, key=t.rank.__getitem__)
        flags = []
        if hostile and target[1] in HARM:
            flags.append(HARM[target[1]])
        if intended[1] is not None and target[1] is not None and intended[:2] != target[:2]:
            flags.append("mistaken_target")
        for role, flag in ((actor[1], "actor_unresolved"), (target[1], "target_unresolved"), (act, "act_unresolved")):
            if role == "unknown":
                flags.append(flag)
        if place.problem is not None:
            flags.append("place_unresolved")
        if told.get("time") is not None and t.compiled.implausible(told["time"]):
            flags.append("implausible_time")
        out = {"source": source, "actor": actor[0], "verdict": "undetermined", "rule": None, "clause": None}
        out["phase"] = None
        if matched:
            rule = t.rules[t.rank[matched[0]]]
            names = {
                "actor": actor[2] or "an unnamed actor",
                "target": target[2] or "an unnamed target",
                "intended_target": intended[2] or "an unnamed target",
                "act": act_shown if act_given is not None else "an unnamed act",
            }
            out |= {"verdict": rule["verdict"], "rule": rule["id"], "clause": rule["clause"]}
            out["explanation"] = rule["explanation"].format_map(names)
        else:
            out["explanation"] = "No rule of the ruleset applies to these facts."
        return out | {"matched": matched, "flags": sorted(flags), "actors": [actor[0]] if actor[0] else []}

    def incident(self, data: dict[str, Any]) -> dict[str, Any]:
        base = _flat(data)
        accounts = data.get("accounts") or []
        if not accounts:
            one = self.judge(base, None)
            del one["source"], one["actor"]
            return {"incident": data["id"], **one, "accounts": []}
        judged = []
        for account in accounts:
            own = _flat(account)
            judged.append(self.judge({k: own.get(k, base.get(k)) for k in own.keys() | base.keys()}, account["source"]))
        first = judged[0]
        matched = list(dict.fromkeys(r for a in judged for r in a["matched"]))
        flags = sorted({f for a in judged for f in a["flags"]})
        head = {"incident": data["id"]}
        if len({a["verdict"] for a in judged}) == 1:
            text = first["explanation"]
            if len({a["rule"] for a in judged}) > 1:
                agree = "every account" if len(judged) > 1 else "the one account"
                text = f"{text} ({agree} gives {first['verdict']})"
            if len({a["actor"] for a in judged}) > 1:
                named = "; ".join(f"{a['source']}: {a['actor'] or 'none the ruleset knows'}" for a in judged)
                text += f" The accounts name different actors ({named})."
                flags = sorted({*flags, "accounts_name_different_actors"})
            head |= {"verdict": first["verdict"], "rule": first["rule"], "clause": first["clause"], "phase": None}
            head["explanation"] = text
        else:
            told = "; ".join(f"{a['source']}: {a['verdict']}" for a in judged)
            head |= {"verdict": "disputed", "rule": None, "clause": None, "phase": None}
            head["explanation"] = f"The accounts disagree: {told}."
        actors = list(dict.fromkeys(a for account in judged for a in account["actors"]))
        return head | {"matched": matched, "flags": flags, "actors": actors, "accounts": judged}


def _moment(value: datetime | str) -> datetime:
    """PyYAML reads an unquoted ISO 8601 time as a datetime already."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _flat(told: dict[str, Any]) -> dict[str, Any]:
    """The fields a fact is made from, those given only."""
    out = {k: told[k] for k in ("time", "actor", "act", "target", "intended_target") if told.get(k) is not None}
    place = ("country", "admin1", "admin2", "admin3", "latitude", "longitude", "precision_km")
    for key, part in (("location", place), ("casualties", ("killed", "wounded"))):
        for k in part:
            if (told.get(key) or {}).get(k) is not None:
                out[k] = told[key][k]
    return out


def run(source: Path, out: IO[str], name: str, fmt: str = "json") -> None:
    """Read JSON Lines, judge every incident, write the report as `ceasefire run -f json` (or `-f jsonl`) does.

    Compact JSON (`,` and `:` without spaces, text as UTF-8); `json`: the run's header, one verdict a
    line, the summary; `jsonl`: the verdict lines only.
    """
    raw = Raw(Truce())
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    counts: Counter[str] = Counter()
    whole = fmt == "json"
    with source.open(encoding="utf-8") as lines:
        if whole:
            out.write(dump({"scenario": name, "ruleset": raw.truce.id, "engine": "raw"})[:-1] + ',\n"verdicts":[')
        first = True
        for line in lines:
            if line.strip():
                verdict = raw.incident(json.loads(line))
                counts[verdict["verdict"]] += 1
                if whole:
                    out.write(("\n" if first else ",\n") + dump(verdict))
                else:
                    out.write(dump(verdict) + "\n")
                first = False
    if whole:
        out.write("\n],\n" if not first else "],\n")
        out.write('"summary":' + dump({v: counts[v] for v in VERDICTS}) + "}\n")


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m bench.raw", description="Judge JSON Lines with raw durable_rules.")
    p.add_argument("source", type=Path, help="incidents, JSON Lines")
    p.add_argument("--output", "-o", type=Path, required=True, help="the report")
    p.add_argument("--format", "-f", choices=("json", "jsonl"), default="json", help="as `ceasefire run` writes it")
    args = p.parse_args(argv)
    with args.output.open("w", encoding="utf-8") as out:
        run(args.source, out, args.source.stem, args.format)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
