"""Synthetic incidents for a ruleset: realistic spellings, times, places and accounts; same seed, same lines."""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.incidents.load import TABLE_COLUMNS
from engine.incidents.model import Incident
from engine.ruleset.compile import Compiled
from engine.ruleset.load import load_ruleset

DEFAULT_RULESET = "syria-2016-09"

# Names and acts met in reports that the shipped rulesets do not know: they must resolve to `unknown`.
UNKNOWN_ACTORS = (
    "Liwa al-Quds",
    "Hezbollah",
    "YPG",
    "Syrian Democratic Forces",
    "Ahrar al-Sham",
    "Jaysh al-Islam",
    "Nour al-Din al-Zenki Movement",
    "Kurdish forces",
    "tribal militia",
)
UNKNOWN_ACTS = ("sabotage", "arson", "hostage taking", "threats", "cyber attack", "Road closure")
REGIONS = (
    "Aleppo",
    "Idlib",
    "Idleb",
    "Deir ez-Zor",
    "Homs",
    "Hama",
    "Damascus",
    "Rural Damascus",
    "Daraa",
    "Latakia",
    "Al-Hasakah",
    "Ar-Raqqa",
    "Quneitra",
    "As-Suwayda",
)
ABROAD = (("Iraq", "Anbar"), ("Iraq", "Nineveh"), ("Turkey", "Kilis"), ("Lebanon", "Baalbek-Hermel"))
PLACES = ("Castello Road", "Urum al-Kubra", "Jabal Tharda", "Khan Touman", "Talbiseh", "Daraya", "Kafr Hamra", "Souran")
SOURCES = (
    "SOHR",
    "SANA",
    "CENTCOM",
    "Russian MoD",
    "Local Coordination Committees",
    "Syrian Civil Defence",
    "Reuters",
    "AFP",
    "Step News Agency",
    "Sputnik",
)
# Offsets a report's time comes with, and how often: Damascus time mostly, UTC and the winter offset too.
OFFSETS = ((timezone(timedelta(hours=3)), 70), (UTC, 12), (timezone(timedelta(hours=2)), 12), (None, 6))
ACTOR_ROLES = (
    ("covered", 45),
    ("sponsor", 10),
    ("excluded", 20),
    ("unidentified", 7),
    ("unknown", 8),
    ("civilians", 2),
    (None, 3),
)
TARGET_ROLES = (
    ("covered", 35),
    ("sponsor", 3),
    ("excluded", 20),
    ("civilians", 20),
    ("unidentified", 7),
    ("unknown", 8),
    (None, 7),
)
INTENDED_ROLES = (("excluded", 70), ("covered", 20), ("unknown", 10))


@dataclass(frozen=True)
class Vocabulary:
    """What a ruleset lets a generator say: spellings per role, acts, and the window to place times around."""

    names: dict[str, tuple[str, ...]]  # role -> spellings (unknown: names the ruleset does not know)
    hostile_acts: tuple[str, ...]
    other_acts: tuple[str, ...]
    start: datetime
    until: datetime

    @classmethod
    def of(cls, compiled: Compiled) -> Vocabulary:
        ruleset = compiled.ruleset
        names: dict[str, list[str]] = {}
        for pid, party in ruleset.parties.items():
            names.setdefault(party.role, []).extend((pid, party.name, *party.aliases))
        names["civilians"] = ["civilians", *ruleset.civilians.aliases]
        names["unidentified"] = ["unidentified", *ruleset.unidentified.aliases]
        names["unknown"] = list(UNKNOWN_ACTORS)
        hostile: list[str] = []
        other: list[str] = []
        for aid, act in ruleset.acts.items():
            (hostile if act.hostile else other).extend((aid, *([act.name] if act.name else []), *act.aliases))
        until = compiled.until or compiled.start + timedelta(days=7)
        return cls({k: tuple(v) for k, v in names.items()}, tuple(hostile), tuple(other), compiled.start, until)


class Generator:
    """Draws incidents one at a time from a seeded random source: the output depends on the seed alone."""

    def __init__(self, vocabulary: Vocabulary, seed: int = 0) -> None:
        self.vocab = vocabulary
        self.rng = random.Random(seed)

    def incident(self, number: int) -> dict[str, Any]:
        rng = self.rng
        data: dict[str, Any] = {"id": f"gen-{number:06d}"}
        self._put(data, "time", self.time())
        self._put(data, "actor", self.name(ACTOR_ROLES))
        self._put(data, "act", self.act())
        self._put(data, "target", self.name(TARGET_ROLES))
        if rng.random() < 0.15:
            self._put(data, "intended_target", self.name(INTENDED_ROLES))
        self._put(data, "location", self.location())
        self._put(data, "casualties", self.casualties())
        if rng.random() < 0.10:
            data["accounts"] = [self.account(source) for source in rng.sample(SOURCES, rng.randint(2, 4))]
        return data

    def account(self, source: str) -> dict[str, Any]:
        """One source's version: most override the intended target or the toll, a few who did what."""
        rng = self.rng
        data: dict[str, Any] = {"source": source}
        for key, chance, draw in (
            ("intended_target", 0.4, lambda: self.name(INTENDED_ROLES)),
            ("target", 0.2, lambda: self.name(TARGET_ROLES)),
            ("actor", 0.1, lambda: self.name(ACTOR_ROLES)),
            ("act", 0.1, self.act),
            ("time", 0.1, self.time),
            ("casualties", 0.4, self.casualties),
        ):
            if rng.random() < chance:
                self._put(data, key, draw())
        return data

    @staticmethod
    def _put(data: dict[str, Any], key: str, value: Any) -> None:
        if value is not None:
            data[key] = value

    def name(self, roles: Sequence[tuple[str | None, int]]) -> str | None:
        # a role no party of the ruleset has (the Idlib protocol has no sponsor) is not drawn
        role = self._weighted([(r, w) for r, w in roles if r is None or self.vocab.names.get(r)])
        if role is None:
            return None
        return self.spell(self.rng.choice(self.vocab.names[role]))

    def act(self) -> str | None:
        rng = self.rng
        draw = rng.random()
        if draw < 0.02:
            return None
        if draw < 0.08:
            return self.spell(rng.choice(UNKNOWN_ACTS))
        if draw < 0.14 and self.vocab.other_acts:
            return self.spell(rng.choice(self.vocab.other_acts))
        return self.spell(rng.choice(self.vocab.hostile_acts))

    def spell(self, name: str) -> str:
        """The name as a report might write it: as is mostly, else in another case, punctuation or spacing."""
        draw = self.rng.random()
        if draw < 0.6:
            return name
        if draw < 0.7:
            return name.upper()
        if draw < 0.8:
            return name.lower()
        if draw < 0.87:
            if name.isupper() and name.isalpha():
                return ".".join(name) + "."  # SAA -> S.A.A.
            return name.replace("-", " ")
        if draw < 0.93:
            return name + "."
        return "  " + name.replace(" ", "  ") + " "

    def time(self) -> str | None:
        rng, vocab = self.rng, self.vocab
        draw = rng.random()
        if draw < 0.03:
            return None
        # most reports fall inside the truce; the rest within a week either side of it
        if rng.random() < 0.6:
            first, last = vocab.start, vocab.until
        else:
            first, last = vocab.start - timedelta(days=7), vocab.until + timedelta(days=7)
        minutes = int((last - first).total_seconds() // 60)
        moment = first + timedelta(minutes=rng.randrange(minutes))
        if draw < 0.11:
            return moment.astimezone(vocab.start.tzinfo).date().isoformat()
        zone = self._weighted(OFFSETS)
        if zone is None:
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return moment.astimezone(zone).isoformat()

    def location(self) -> dict[str, Any] | None:
        rng = self.rng
        draw = rng.random()
        if draw < 0.05:
            return None
        if draw < 0.10:
            country, region = rng.choice(ABROAD)
            return {"admin1": region, "country": country}
        place: dict[str, Any] = {}
        if rng.random() < 0.4:
            place["name"] = rng.choice(PLACES)
        place["admin1"] = self.spell(rng.choice(REGIONS))
        if rng.random() < 0.8:
            place["country"] = self.spell("Syria")
        if rng.random() < 0.1:  # a point somewhere in Syria's bounding box, to a few metres
            place["latitude"] = round(rng.uniform(32.3, 37.3), 4)
            place["longitude"] = round(rng.uniform(35.7, 42.4), 4)
            if rng.random() < 0.5:
                place["precision_km"] = rng.choice((0.5, 5.0, 25.0))
        return place

    def casualties(self) -> dict[str, int] | None:
        rng = self.rng
        if rng.random() < 0.15:
            return None
        out = {"killed": int(rng.expovariate(1 / 4))}
        if rng.random() < 0.7:
            out["wounded"] = int(rng.expovariate(1 / 8))
        return out

    def _weighted(self, options: Sequence[tuple[Any, int]]) -> Any:
        values, weights = zip(*options)
        return self.rng.choices(values, weights)[0]


def incident_dicts(count: int, seed: int = 0, compiled: Compiled | None = None) -> Iterator[dict[str, Any]]:
    """`count` incidents as JSON-ready dicts (the incident file format), for `compiled` or syria-2016-09."""
    generator = Generator(Vocabulary.of(compiled or load_ruleset(DEFAULT_RULESET)), seed)
    for number in range(count):
        yield generator.incident(number)


def incidents(count: int, seed: int = 0, compiled: Compiled | None = None) -> list[Incident]:
    return [Incident.model_validate(d) for d in incident_dicts(count, seed, compiled)]


def write_jsonl(path: Path, count: int, seed: int = 0, compiled: Compiled | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for data in incident_dicts(count, seed, compiled):
            out.write(json.dumps(data, ensure_ascii=False) + "\n")


# The flat columns of a CSV (and of a Parquet) incident table, as `engine.incidents.load` reads them, but
# `mutual`: no incident drawn here is mutual, and a column of nothing but false would only add to the bytes read.
FLAT = tuple(c for c in TABLE_COLUMNS if c != "mutual")
# Where each flat column is in an incident (or account) dict: (key, key within it or None).
_PLACED = {
    **{c: ("location", c) for c in ("country", "admin1", "admin2", "admin3", "latitude", "longitude", "precision_km")},
    "location": ("location", "name"),
    "killed": ("casualties", "killed"),
    "wounded": ("casualties", "wounded"),
}


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    """An incident (or account) dict's facts as flat columns (`FLAT`), None where it gives none."""
    out = {}
    for column in FLAT:
        key, inner = _PLACED.get(column, (column, None))
        value = data.get(key)
        out[column] = (value or {}).get(inner) if inner is not None else value
    return out


def write_csv(path: Path, count: int, seed: int = 0, compiled: Compiled | None = None) -> None:
    """The same `count` incidents as `write_jsonl(path, count, seed)`, as a CSV table (columns `FLAT`).

    CSV has no place for what is not a flat column: accounts are dropped. An absent value is an empty cell.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FLAT)
        for data in incident_dicts(count, seed, compiled):
            writer.writerow(["" if v is None else v for v in _flat(data).values()])


def write_parquet(path: Path, count: int, seed: int = 0, compiled: Compiled | None = None) -> None:
    """The same `count` incidents as `write_jsonl(path, count, seed)`, as a Parquet table.

    Columns: `FLAT` (strings; `killed` and `wounded` Int64, the point's Float64), as CSV has them, and
    `accounts`, a list of structs with `source` and the same columns but `id`, `notes` and `source`.
    Absent values are nulls; an incident without accounts has an empty list.
    """
    import polars as pl  # only this writer needs it; `ceasefire --version` should not pay for it

    from engine.incidents.frame import INCIDENTS, TOLD

    schema = {k: INCIDENTS[k] for k in FLAT} | {"accounts": INCIDENTS["accounts"]}
    rows = []
    for data in incident_dicts(count, seed, compiled):
        accounts = [
            {"source": a["source"], **{k: v for k, v in _flat(a).items() if k in TOLD}}
            for a in data.get("accounts", ())
        ]
        rows.append({**_flat(data), "accounts": accounts})
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=schema, orient="row" if not rows else None).write_parquet(path)


def main(argv: Sequence[str] | None = None) -> None:
    from engine.cli.main import whole_number

    p = argparse.ArgumentParser(
        prog="python -m engine.incidents.synthetic",
        description="Write synthetic incidents for a ruleset: JSON Lines, CSV or Parquet, as the output's suffix says. "
        "A tenth of the incidents are told by several sources (accounts); CSV has no column for accounts, so a CSV "
        "holds the same incidents as told by their own record only.",
        epilog="examples:\n  python -m engine.incidents.synthetic 100000 -o bench/out/incidents-100000.jsonl\n"
        "  python -m engine.incidents.synthetic 500 --seed 7 --rules syria-2016-02 -o /tmp/feb.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("count", type=whole_number(1, said="expected at least 1"), help="how many incidents (at least 1)")
    p.add_argument("--output", "-o", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rules", default=DEFAULT_RULESET, help="ruleset id or path (default: %(default)s)")
    args = p.parse_args(argv)
    writers = {".jsonl": write_jsonl, ".csv": write_csv, ".parquet": write_parquet}
    write = writers.get(args.output.suffix.lower())
    if write is None:
        p.error(f"{args.output}: name the file .jsonl, .csv or .parquet: the suffix says which table is written")
    try:
        compiled = load_ruleset(args.rules)
    except InputError as exc:
        p.error(str(exc))
    write(args.output, args.count, args.seed, compiled)


if __name__ == "__main__":
    main()
