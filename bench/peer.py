"""The peer: what an analyst would write instead of ceasefire, with pandas and numpy.

`rules/syria-2016-09.yaml` read by a person and typed in: the parties' and acts' spellings as dicts of
lower-cased names, each rule's condition as a boolean column, `numpy.select` over them in the ruleset's
deciding order (priority, then file order) for the verdict and the rule. Reads a CSV incident table,
writes JSON Lines of `incident`, `verdict`, `rule`. Imports nothing from `engine`.

    python -m bench.peer INCIDENTS.csv OUTPUT.jsonl

Where it differs from ceasefire (see bench/README.md): spellings are matched lower-cased and stripped
only, so `S.A.A.`, `Idlib.`, `Syrian  Arab  Army` or `armed-opposition` are names it does not know; a
bare date is midnight UTC, not a whole day in Damascus time; no accounts, explanations or flags.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

# -- who is who: every spelling in the ruleset, lower-cased -----------------------------------------
PARTIES = {
    "syrian-government": ("covered", ["syrian government forces", "syrian arab army", "saa", "syrian military",
                                      "syrian army", "regime forces", "military forces of syria (2000-)",
                                      "government of syria", "national defense forces", "syrian air force"]),
    "russia": ("covered", ["russian armed forces", "russian aerospace forces", "russian military",
                           "russian air force", "military forces of russia (2000-)"]),
    "opposition": ("covered", ["armed opposition groups party to the cessation", "free syrian army", "fsa",
                               "opposition rebels (syria)", "syrian insurgents", "armed opposition"]),
    "coalition": ("sponsor", ["us-led coalition", "coalition", "centcom", "global coalition against daesh",
                              "global coalition against isil", "military forces of the united states",
                              "us military"]),
    "isis": ("excluded", ["islamic state", "isis", "isil", "daesh", "is", "islamic state (syria)"]),
    "jfs": ("excluded", ["jabhat fateh al-sham", "jfs", "jabhat al-nusra", "al-nusra front", "nusra front",
                         "jfs: al nusra front"]),
    "civilians": ("civilians", ["civilian", "civilians (syria)", "civilian population", "aid convoy",
                                "humanitarian convoy", "aid workers"]),
    "unidentified": ("unidentified", ["unidentified gunmen", "unidentified armed group (syria)",
                                      "unidentified military forces", "unknown gunmen"]),
}  # fmt: skip
PARTY = {name: party for party, (_, names) in PARTIES.items() for name in (party, *names)}
ROLE = {party: role for party, (role, _) in PARTIES.items()}

ACTS = {
    "airstrike": (True, ["air strike", "air/drone strike", "aerial bombardment", "bombing", "drone strike"]),
    "shelling": (True, ["artillery", "shelling/artillery/missile attack", "mortar fire", "mortars"]),
    "rocket_attack": (True, ["rockets", "rocket fire", "missile attack", "atgm", "anti-tank guided missile"]),
    "armed_clash": (True, ["armed clash", "clashes", "fighting"]),
    "ground_attack": (True, ["ground assault", "offensive", "attack"]),
    "territorial_advance": (True, ["government regains territory", "non-state actor overtakes territory",
                                   "territorial gain", "advance"]),
    "sniper_fire": (True, ["sniper", "sniping"]),
    "aid_obstruction": (True, ["obstruction of humanitarian access", "blocking aid", "aid blockade"]),
    "troop_movement": (False, ["force movement", "redeployment"]),
    "patrol": (False, ["joint patrol"]),
}  # fmt: skip
ACT = {name: act for act, (_, names) in ACTS.items() for name in (act, *names)}
HOSTILE = {act: hostile for act, (hostile, _) in ACTS.items()}

WINDOW = (pd.Timestamp("2016-09-12T19:00:00+03:00"), pd.Timestamp("2016-09-20T00:00:00+03:00"))
AGREED_AREAS = ["aleppo", "idlib", "idleb"]
MISTAKEN_TARGET = "permitted"
SPONSORS_BOUND = True


def clean(column: pd.Series) -> pd.Series:
    return column.str.strip().str.lower()


def judge(df: pd.DataFrame) -> pd.DataFrame:
    actor = clean(df["actor"]).map(PARTY)
    actor_role = actor.map(ROLE).where(actor.notna(), "unknown").where(df["actor"].notna())
    target = clean(df["target"]).map(PARTY)
    target_role = target.map(ROLE).where(target.notna(), "unknown").where(df["target"].notna())
    intended = clean(df["intended_target"]).map(PARTY)
    intended_role = intended.map(ROLE).where(intended.notna(), "unknown").where(df["intended_target"].notna())
    act = clean(df["act"]).map(ACT)
    act = act.where(act.notna(), "unknown").where(df["act"].notna())
    hostile = act.map(HOSTILE)
    when = pd.to_datetime(df["time"], utc=True, format="ISO8601", errors="coerce")
    region = clean(df["admin1"])
    country = clean(df["country"]) if "country" in df else pd.Series(np.nan, index=df.index)

    bound = actor_role.isin(["covered", "sponsor"])
    hostile_act = hostile.eq(True)
    party_hit = target_role.isin(["covered", "sponsor"])
    mistaken = bound & hostile_act & party_hit & intended_role.eq("excluded")
    rules = [  # deciding order: priority, then as listed in the file
        ("actor-unresolved", "undetermined", actor_role.isin(["unknown", "unidentified"])),
        ("actor-missing", "undetermined", actor_role.isna()),
        ("actor-not-bound", "not_covered", actor_role.eq("excluded")),
        ("actor-not-party", "not_covered",
         actor_role.eq("civilians") | (actor_role.eq("sponsor") & (not SPONSORS_BOUND))),
        ("act-unresolved", "undetermined", act.eq("unknown") | act.isna()),
        ("outside-window", "not_covered", when.notna() & ((when < WINDOW[0]) | (when >= WINDOW[1]))),
        ("outside-scope", "not_covered", country.notna() & country.ne("syria")),
        ("non-hostile-act", "not_covered", hostile.eq(False)),
        ("time-unknown", "undetermined", when.isna()),
        ("aid-obstruction", "violation", bound & act.eq("aid_obstruction")),
        ("attack-on-civilians", "violation", bound & hostile_act & target_role.eq("civilians")),
        ("air-combat-in-agreed-areas", "violation",
         actor.eq("syrian-government") & act.eq("airstrike") & region.isin(AGREED_AREAS)),
        ("territorial-advance", "violation", actor_role.eq("covered") & act.eq("territorial_advance") & party_hit),
        ("strike-on-excluded", "permitted", bound & hostile_act & target_role.eq("excluded")),
        ("mistaken-strike-permitted", "permitted", mistaken & (MISTAKEN_TARGET == "permitted")),
        ("mistaken-strike-violation", "violation", mistaken & (MISTAKEN_TARGET == "violation")),
        ("attack-on-covered-party", "violation", bound & hostile_act & party_hit),
        ("target-unresolved", "undetermined",
         bound & hostile_act & (target_role.isin(["unknown", "unidentified"]) | target_role.isna())),
    ]  # fmt: skip
    conditions = [cond.fillna(False).to_numpy(dtype=bool) for _, _, cond in rules]
    return pd.DataFrame(
        {
            "incident": df["id"],
            "verdict": np.select(conditions, [verdict for _, verdict, _ in rules], "undetermined"),
            "rule": np.select(conditions, [rule for rule, _, _ in rules], None),
        }
    )


def main(argv: list[str]) -> int:
    source, output = argv
    judge(pd.read_csv(source, dtype={"id": str})).to_json(output, orient="records", lines=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
