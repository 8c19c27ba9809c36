#!/usr/bin/env python3
"""Build engine/places/data/SYR.csv (and SYR-admin1.geojson), the gazetteer of Syria's admin areas.

Inputs, all in the folder given as the first argument (see engine/places/data/README.md for
provenance and licences; they are not part of the repository):
  ocha2015_syr_admin1.geojson       OCHA COD-AB Syria, governorates (polygons)
  ocha2015_syr_admin2.geojson       OCHA COD-AB Syria, districts (polygons)
  ocha2015_syr_admin4_point.geojson OCHA populated places; carries ADMIN3_COD/_EN/_ARA
                                    for every sub-district that has a community
  opensyria_{governorates,districts,subdistricts}.json
                                    Open-Syria/data-geography; used for the rows that
                                    the current (2020-12) COD-AB added, and as an
                                    alias source (GeoNames / Wikidata / geoBoundaries)

Output rows: pcode, level, name, name_ar, parent, aliases  (sorted by pcode).
Run:  python scripts/build_gazetteer.py SOURCE_FOLDER
"""

import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "engine" / "places" / "data"
SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "source")

# --- 1. Changes from the 2015 COD-AB to the current COD-AB (2020-12-17 edition) ---
# Qadmous district (SY1006) was split from Banyas (SY1002); its four sub-districts got
# new P-codes.  Names/Arabic are unchanged, so we carry them over from 2015.
RECODED_ADMIN3 = {  # 2015 pcode -> current pcode (parent SY1006)
    "SY100202": "SY100601",  # Anaza
    "SY100203": "SY100602",  # Qadmous
    "SY100204": "SY100603",  # Hamam Wasil
    "SY100205": "SY100604",  # Tawahin
}
# Rows absent from the 2015 files used here (SY1006 is new; the two Golan sub-districts
# have no communities in the 2015 populated-places file).  Names come from Open-Syria.
ADDED_FROM_OPENSYRIA = ["SY1006", "SY140003", "SY140201"]
# Current OCHA English spellings that differ from 2015 (2015 spelling kept as alias).
# Confirmed against a 2024 copy of OCHA's tabular admin list and Open-Syria.
RENAMED = {
    "SY040200": "Al-Qusayr",  # 2015: Al Quasir
    "SY060001": "Bahlolieh",  # 2015: Bahlawaniyeh
    "SY060005": "Kasab",  # 2015: Kiseb
    "SY060201": "Ein Elsharqiyeh",  # 2015: Ein Elshaqiyeh
}

# --- 2. Hand-written aliases: ACLED, UCDP GED, UN / press spellings ---
ALIASES = {
    # governorates (admin1)
    "SY01": ["Dimashq", "Damascus City"],
    "SY02": ["Halab"],
    "SY03": ["Rif Dimashq", "Damascus Countryside", "Reef Damascus", "Rif Damascus", "Damascus Suburbs"],
    "SY04": ["Hims"],
    "SY05": ["Hamah"],
    "SY06": ["Latakia", "Ladhiqiyah", "Lattaquie"],
    "SY07": ["Idlib"],
    "SY08": ["Hasakah", "Hasaka", "Hassakeh", "Hasake"],
    "SY09": ["Dayr az Zawr", "Deir al-Zour", "Deir Ezzor", "Deir al-Zor", "Deir Azzor"],
    "SY10": ["Tartus"],
    "SY11": ["Raqqah", "Rakka"],
    "SY12": ["Daraa", "Deraa"],
    "SY13": ["Suwayda", "Suwaida", "Sweida"],
    "SY14": ["Qunaytirah", "Qunaitra", "Kuneitra"],
    # districts (admin2)
    "SY0100": ["Dimashq"],
    "SY0200": ["Mount Simeon", "Jabal Saman", "Jabal Sam'an"],
    "SY0202": ["Bab"],
    "SY0203": ["Efrin", "Afreen"],
    "SY0204": ["Azaz"],
    "SY0205": ["Manbij", "Minbij"],
    "SY0206": ["Ayn al-Arab", "Kobani", "Kobane"],
    "SY0207": ["Safirah"],
    "SY0208": ["Jarabulus"],
    "SY0301": ["Markaz Rif Dimashq", "Rif Dimashq"],
    "SY0302": ["Douma"],
    "SY0305": ["Yabrud"],
    "SY0306": ["Nebek"],
    "SY0307": ["Zabadani"],
    "SY0309": ["Daraya"],
    "SY0402": ["Qusair", "Al Quasir"],
    "SY0403": ["Talkalakh", "Tal Kalakh", "Tell Kalakh"],
    "SY0405": ["Tadmur", "Palmyra"],
    "SY0406": ["Al-Mukharram"],
    "SY0503": ["Salamiyah", "Salamieh"],
    "SY0504": ["Misyaf"],
    "SY0505": ["Mhardeh", "Mahardah"],
    "SY0600": ["Latakia"],
    "SY0602": ["Jableh", "Jabla"],
    "SY0603": ["Haffeh"],
    "SY0700": ["Idlib"],
    "SY0702": ["Maarrat al-Nu'man", "Ma'arrat An Nu'man", "Maarat al-Numan", "Maaret al-Numan"],
    "SY0703": ["Harem"],
    "SY0704": ["Jisr al-Shughur", "Jisr ash-Shughur"],
    "SY0800": ["Hasakah", "Hasaka"],
    "SY0802": ["Qamishli", "Qamishlo"],
    "SY0803": ["Al-Malikiyah", "Derik"],
    "SY0804": ["Ras al-Ayn", "Serekaniye"],
    "SY0901": ["Dayr az Zawr", "Deir al-Zour", "Deir Ezzor"],
    "SY0902": ["Albu Kamal", "Bukamal"],
    "SY0903": ["Mayadeen"],
    "SY1000": ["Tartus"],
    "SY1002": ["Baniyas", "Banias"],
    "SY1004": ["Duraykish"],
    "SY1005": ["Al-Shaykh Badr"],
    "SY1006": ["Qadmus"],
    "SY1101": ["Raqqah"],
    "SY1102": ["Tell Abyad", "Tal Abyad", "Tal Abiad", "Tall Abyad", "Gire Spi"],
    "SY1103": ["Tabqa", "Al-Tabqah"],
    "SY1200": ["Daraa", "Deraa"],
    "SY1202": ["Sanamein"],
    "SY1203": ["Ezraa"],
    "SY1300": ["Suwayda", "Sweida"],
    # sub-districts (admin3): most come from Open-Syria; a few well-known ones here
    "SY020600": ["Kobani", "Kobane"],
    "SY080200": ["Qamishli", "Qamishlo"],
    "SY110100": ["Raqqah"],
    "SY110300": ["Tabqa"],
    "SY030300": ["Qutayfah"],
}

# Names harvested from Open-Syria that are misleading for matching incident reports
# (they name a wider region than the sub-district they are attached to).
# or that are old/unrelated GeoNames names of the nahiya (a neighbourhood, a valley...).
BLOCKED = {
    "al Ghūţah al Gharbīyah",
    "al Ghūţah ash Sharqīyah",
    "Al-Ghab",
    "Ḩarmūn",
    "Harmun",
    "Ţarīn",
    "Tārīn",
    "Tarin",
    "al Wa‘rah",
    "al Wa`rah",
    "Wādī an Naşārá",
    "Wadi an Nasara",
    "Kibilīyah",
    "Kibiliyah",
    "al Ḩişān",
    "al Hisan",
    "Judaydat Khābūr",
    "Judaydat Khabur",
    "Abū Hurayrah",
    "Abu Hurayrah",
    "As Saih Badr",
}

# --- 3. Normalisation (mirrors what ceasefire-sim's matcher ignores) ---
GENERIC = {"governorate", "province", "district", "sub", "subdistrict", "region"}
ARTICLES = {"al", "el", "ar", "as", "at", "az", "an", "ad", "ash", "ath", "adh"}


def norm(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[`'\u2018\u2019\u02bb\u02bc\u02be\u02bf]", "", s)  # apostrophes, ayn
    words = [w for w in re.split(r"[^a-z0-9]+", s) if w and w not in GENERIC]
    while len(words) > 1 and words[0] in ARTICLES:  # leading article only
        words = words[1:]
    return " ".join(words)


def clean_alias(value):
    """Return a usable Latin-script alias or None."""
    v = value.strip()
    if not v or re.search(r"[\u0600-\u06ff]", v):  # Arabic script: not an alias here
        return None
    if v == v.lower() or " of the " in v:  # machine transliterations, glosses
        return None
    v = re.sub(r"^N[aā][hḩ]iyat\s+", "", v)  # "Nahiyat X" = "sub-district X"
    v = re.sub(r"\s+(Sub-?district|District|Governorate|Nahiyah)$", "", v, flags=re.I)
    return None if v in BLOCKED else v


def load_geojson(name):
    raw = (SRC / name).read_bytes().decode("utf-8", "replace")  # a few community names
    return json.loads(raw)["features"]  # are truncated mid-char


def main():
    rows = {}  # pcode -> dict
    for f in load_geojson("ocha2015_syr_admin1.geojson"):
        p = f["properties"]
        rows[p["PCODE"]] = dict(pcode=p["PCODE"], level=1, name=p["NAME_EN"], name_ar=p["NAME_ARA"], parent="")
    for f in load_geojson("ocha2015_syr_admin2.geojson"):
        p = f["properties"]
        rows[p["PCODE"]] = dict(
            pcode=p["PCODE"], level=2, name=p["NAME_EN"], name_ar=p["NAME_ARA"], parent=p["ADMIN1_COD"]
        )
    for f in load_geojson("ocha2015_syr_admin4_point.geojson"):
        p = f["properties"]
        code, parent = p["ADMIN3_COD"], p["ADMIN2_COD"]
        if code in RECODED_ADMIN3:
            code, parent = RECODED_ADMIN3[code], "SY1006"
        rows.setdefault(code, dict(pcode=code, level=3, name=p["ADMIN3_EN"], name_ar=p["ADMIN3_ARA"], parent=parent))

    opensyria = {}
    for fname, level in (("governorates", 1), ("districts", 2), ("subdistricts", 3)):
        for rec in json.loads((SRC / f"opensyria_{fname}.json").read_text("utf-8")):
            opensyria[rec["externalIds"]["ochaPcode"]] = (level, rec)
    for code in ADDED_FROM_OPENSYRIA:
        level, rec = opensyria[code]
        parent = {2: code[:4], 3: code[:6]}[level]
        rows[code] = dict(pcode=code, level=level, name=rec["name"]["en"], name_ar=rec["name"]["ar"], parent=parent)

    aliases = {code: [] for code in rows}
    for code, new in RENAMED.items():
        aliases[code].append(rows[code]["name"])  # keep the 2015 spelling
        rows[code]["name"] = new
    for code, extra in ALIASES.items():
        aliases[code].extend(extra)
    for code, (_level, rec) in opensyria.items():
        if code not in rows:
            print(f"warning: Open-Syria pcode {code} not in OCHA rows", file=sys.stderr)
            continue
        cands = [rec["name"]["en"]] + [a["value"] for a in rec.get("aliases", []) if a.get("language") == "en"]
        cands = [c for c in map(clean_alias, cands) if c]
        aliases[code].extend(sorted(cands, key=lambda c: not c.isascii()))  # plain first

    # de-duplicate against the official name and each other (normalised)
    for code, row in rows.items():
        seen, keep = {norm(row["name"])}, []
        for a in aliases[code]:
            if norm(a) and norm(a) not in seen:
                seen.add(norm(a))
                keep.append(a)
        aliases[code] = keep

    # same-level clashes: an alias equal to another area's official name is dropped;
    # an alias shared by several areas is kept and reported as ambiguous.
    report = []
    for level in (1, 2, 3):
        codes = sorted(c for c in rows if rows[c]["level"] == level)
        names = {}
        for c in codes:
            names.setdefault(norm(rows[c]["name"]), []).append(c)
        for n, cs in names.items():
            if len(cs) > 1:
                report.append(f"level {level}: official name '{n}' shared by {cs}")
        shared = {}
        for c in codes:
            kept = []
            for a in aliases[c]:
                owners = [o for o in names.get(norm(a), []) if o != c]
                if owners:
                    report.append(f"level {level}: dropped alias '{a}' of {c} ({rows[c]['name']}) = name of {owners}")
                    continue
                kept.append(a)
                shared.setdefault(norm(a), []).append((c, a))
            aliases[c] = kept
        for n, owners in shared.items():
            if len(owners) > 1:
                report.append(f"level {level}: alias '{n}' kept on several areas: {owners}")

    with open(OUT / "SYR.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["pcode", "level", "name", "name_ar", "parent", "aliases"])
        for code in sorted(rows):
            r = rows[code]
            w.writerow([code, r["level"], r["name"], r["name_ar"], r["parent"], "|".join(aliases[code])])

    counts = {lv: sum(r["level"] == lv for r in rows.values()) for lv in (1, 2, 3)}
    print("rows per level:", counts)
    print("\n".join(report) if report else "no alias clashes")
    build_geojson()


def build_geojson(tolerance=0.005, max_bytes=300_000):
    """Simplified admin1 polygons, coordinates rounded to 4 decimals."""
    try:
        from shapely import set_precision
        from shapely.geometry import mapping, shape
    except ImportError:
        print("shapely not installed: skipping SYR-admin1.geojson", file=sys.stderr)
        return

    def rnd(c):
        return [rnd(x) for x in c] if isinstance(c[0], (list, tuple)) else [round(c[0], 4), round(c[1], 4)]

    feats = []
    for f in sorted(load_geojson("ocha2015_syr_admin1.geojson"), key=lambda f: f["properties"]["PCODE"]):
        geom = shape(f["geometry"]).simplify(tolerance, preserve_topology=True)
        geom = set_precision(geom, 1e-4)  # snap to the 4-decimal grid, staying valid
        g = mapping(geom)
        feats.append(
            {
                "type": "Feature",
                "properties": {"pcode": f["properties"]["PCODE"], "name": f["properties"]["NAME_EN"]},
                "geometry": {"type": g["type"], "coordinates": rnd(g["coordinates"])},
            }
        )
    text = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, separators=(",", ":"))
    assert len(text.encode()) <= max_bytes, len(text.encode())
    (OUT / "SYR-admin1.geojson").write_text(text + "\n", encoding="utf-8")
    print(f"SYR-admin1.geojson: {len(feats)} features, {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
