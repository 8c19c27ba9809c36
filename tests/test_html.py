"""HTML reports (`--format html`): the JSON report inside, the same bytes each time, text escaped, no request made,
and the size of a large run's page. The browser's view of the pages is tests/test_html_browser.py."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

import pytest

from engine.incidents.synthetic import write_jsonl
from engine.report.html import LIMIT
from tests.conftest import ONE_NAME, ROOT, Cli, alike, ruleset, with_rules

DEZ = ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"
WEEK = ROOT / "scenarios" / "syria-week-2016-09.yaml"
JIC = ROOT / "scenarios" / "syria-2016-09-jic.yaml"
HOSTILE = "<script>alert(1)</script>"
MATH = "$\\undefinedmacro$"  # mathtext matplotlib cannot parse: a chart must draw it as text

# Each command's HTML page and the JSON report it embeds, as command lines (after the command's name).
PAGES = {
    "run": ["run", str(WEEK), "-e", "columnar"],
    "whatif": ["whatif", str(WEEK), "-e", "columnar", "--variant", str(ROOT / "rules/variants/jfs-covered.yaml")],
    "sweep": ["sweep", str(WEEK), "--param", "policy.sponsors_bound=true,false", "--jobs", "1"],
    "timeline": ["timeline", str(JIC), "-e", "columnar"],
}


def ok(cli: Cli, *args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, err
    return out


def embedded(page: str) -> str:
    """The JSON in the page's `<script type="application/json" id="report">`, its escapes read back."""
    found = re.search(r'<script type="application/json" id="report">(.*?)</script>', page, re.DOTALL)
    assert found is not None
    text = found.group(1)
    assert "<" not in text and ">" not in text
    return text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")


def hostile_scenario(folder: Path) -> Path:
    """A scenario whose incident, parties, places and sources are named as markup and mathtext."""
    path = folder / "hostile.yaml"
    path.write_text(
        "scenario: hostile-names\ntitle: names that are markup\nruleset: syria-2016-09\nincidents:\n"
        f"  - id: {json.dumps(HOSTILE)}\n    time: 2016-09-17T16:00:00+03:00\n"
        f"    actor: {json.dumps(HOSTILE)}\n    act: airstrike\n    target: '<img src=x onerror=alert(3)>'\n"
        "    location: {name: '<b>place</b>', region: Aleppo}\n    notes: '</script><script>alert(4)</script>'\n"
        f"    accounts:\n      - source: {json.dumps(HOSTILE)}\n        actor: Syrian Arab Army\n"
        "      - source: CENTCOM\n"
        f"  - id: mathtext\n    time: 2016-09-18T16:00:00+03:00\n    actor: {json.dumps(MATH)}\n"
        "    act: shelling\n    target: Free Syrian Army\n    location: {name: Aleppo, region: Aleppo}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("kind", PAGES)
def test_the_page_embeds_the_json_report_exactly_and_is_the_same_bytes_each_time(cli: Cli, kind: str) -> None:
    page = ok(cli, *PAGES[kind], "-f", "html")
    assert embedded(page) == ok(cli, *PAGES[kind], "-f", "json").strip()
    assert page.startswith("<!DOCTYPE html>") and page.count("<script") == 2
    assert page == ok(cli, *PAGES[kind], "-f", "html")
    assert "<svg" in page and "<dc:date>" not in page and "<?xml" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "two elements (two charts' parts) share an id"


def test_the_page_asks_for_nothing_over_the_network(cli: Cli) -> None:
    page = ok(cli, *PAGES["run"], "-f", "html")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert policy is not None and "default-src 'none'" in policy.group(1)
    # the one script runs by its hash, which must be the script's
    script = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy.group(1)
    assert not re.search(r'\b(src|href|xlink:href)="(?!#)', page), "a link or source outside the page"
    assert not re.search(r"url\((?!#)", page) and "@import" not in page


def test_each_verdict_links_to_its_clause_and_the_clauses_are_listed_once(cli: Cli) -> None:
    page = ok(cli, *PAGES["run"], "-f", "html")
    report = json.loads(ok(cli, *PAGES["run"], "-f", "json"))
    listed = re.findall(r'<li id="(c\d+)">(.*?) <span class="cites">', page)
    texts = [html.unescape(text) for _, text in listed]
    assert len(texts) == len(set(texts))
    anchors = {text: anchor for (anchor, _), text in zip(listed, texts)}
    for v in report["verdicts"]:
        if v["rule"] is not None:
            row = re.search(
                rf'id="i\d+">\n<tr><td class="num">\d+</td><td>[^<]*</td><td>{re.escape(v["incident"])}</td>(.*?)</tr>',
                page,
            )
            assert row is not None, v["incident"]
            assert f'<a href="#{anchors[v["clause"]]}">{v["rule"]}</a>' in row.group(1)


def test_the_day_chart_is_drawn_only_when_the_input_spans_days(cli: Cli) -> None:
    assert "Incidents per day" not in ok(cli, "run", str(DEZ), "-e", "columnar", "-f", "html")  # one day
    assert "Incidents per day" in ok(cli, *PAGES["run"], "-f", "html")


def test_names_that_are_markup_or_mathtext_are_text(cli: Cli, tmp_path: Path) -> None:
    page = ok(cli, "run", str(hostile_scenario(tmp_path)), "-e", "columnar", "-f", "html")
    assert page.count("<script") == 2 and "<img" not in page and "<b>place" not in page
    assert html.escape(HOSTILE, quote=False) in page  # in the table, the details and the party chart
    assert "$\\undefinedmacro$ (unresolved)" in page  # a chart label, drawn as written
    json.loads(embedded(page))


def test_marks_that_reorder_text_are_shown_escaped_and_embedded_as_told(cli: Cli, tmp_path: Path) -> None:
    """U+202E and its kin in an input's names show escaped, as the terminal and Markdown show them; the JSON
    embedded keeps the text as told."""
    scenario = tmp_path / "marks.yaml"
    text = DEZ.read_text(encoding="utf-8").replace("CENTCOM", '"CENT\u202eCOM"')  # a source, and its expect key
    scenario.write_text(text.replace("Jabal Tharda,", "Jabal \u202eTharda,"), encoding="utf-8")
    for command in (["run"], ["whatif", "--set", "policy.mistaken_target=violation"]):
        page = ok(cli, command[0], str(scenario), *command[1:], "-e", "columnar", "-f", "html")
        data = embedded(page)
        shown = re.sub(r'<script type="application/json" id="report">.*?</script>', "", page, flags=re.DOTALL)
        assert "\u202e" not in shown and "CENT\\u202eCOM" in shown, command
        assert "CENT\u202eCOM" in json.dumps(json.loads(data), ensure_ascii=False), command


def test_nothing_is_written_unless_the_run_succeeded(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = cli("run", str(WEEK), "-r", "no-such-ruleset", "-f", "html", "-o", str(out))
    assert code == 2 and len(err.splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("command", PAGES)
def test_each_command_offers_html(capsys: pytest.CaptureFixture[str], command: str) -> None:
    from engine.cli.main import main

    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "html" in out.split("--format")[1].split("\n")[0] and "-f html" in out.replace("--format html", "-f html")


def size_limit(incidents: int) -> int:
    """What a run's page may weigh: 200 KB, and about 1 KB per incident (1.5 KB: the JSON report inside is half)."""
    return 200_000 + 1_500 * incidents


@pytest.mark.slow
def test_a_large_run_lists_violations_and_disputed_incidents_and_says_where_the_rest_is(
    cli: Cli, tmp_path: Path
) -> None:
    table = tmp_path / "incidents.jsonl"
    count = LIMIT + 500
    write_jsonl(table, count, seed=3)
    out = tmp_path / "report.html"
    ok(cli, "run", str(table), "-r", "syria-2016-09", "-f", "html", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    whole = json.loads(ok(cli, "run", str(table), "-r", "syria-2016-09", "-f", "json"))
    listed = whole["summary"]["violation"] + whole["summary"]["disputed"]
    assert page.count("<tbody data-verdict=") == listed
    assert set(re.findall(r'<tbody data-verdict="(\w+)"', page)) == {"violation", "disputed"}
    assert "--format jsonl" in page and "--format parquet" in page
    for verdict, n in whole["summary"].items():  # the counts are the whole run's
        assert re.search(rf'data-verdict="{verdict}">.*?<b class="n">{n:,}</b>', page)
    inside = json.loads(embedded(page))
    assert [v["incident"] for v in inside["verdicts"]] == [
        v["incident"] for v in whole["verdicts"] if v["verdict"] in ("violation", "disputed")
    ]
    assert len(page.encode()) < size_limit(count)


def test_a_large_run_lists_at_most_the_limit_of_its_violations_and_says_how_many_there_are(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.report.html as page

    table = tmp_path / "incidents.jsonl"
    write_jsonl(table, 400, seed=3)
    whole = json.loads(ok(cli, "run", str(table), "-r", "syria-2016-09", "-f", "json"))
    gravest = [v["incident"] for v in whole["verdicts"] if v["verdict"] in ("violation", "disputed")]
    monkeypatch.setattr(page, "LIMIT", 20)  # 400 incidents, more than 20 of them violations or disputed
    assert len(gravest) > 20
    out = ok(cli, "run", str(table), "-r", "syria-2016-09", "-f", "html")
    assert out.count("<tbody data-verdict=") == 20
    assert f"this page lists the first 20 of the {len(gravest)} violations and disputed incidents" in out
    assert [v["incident"] for v in json.loads(embedded(out))["verdicts"]] == gravest[:20]  # the first, in order


def test_a_run_under_the_limit_lists_every_incident_within_its_size(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "incidents.jsonl"
    write_jsonl(table, 400, seed=3)
    page = ok(cli, "run", str(table), "-r", "syria-2016-09", "-f", "html")
    assert page.count("<tbody data-verdict=") == 400 and "--format jsonl" not in page
    assert len(page.encode()) < size_limit(400)


def test_a_name_the_chart_font_cannot_draw_gives_no_warning(tmp_path: Path) -> None:
    import warnings

    from engine.report.charts import counts_figure, inline_svg

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        svg = inline_svg(counts_figure({"Rocket brigade \U0001f680": {"violation": 2}}, "verdicts by party"), "c")
    assert svg.startswith('<svg id="c"')


def test_a_large_runs_party_filter_names_an_unresolved_actor_as_its_counts_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.evaluation.pipeline import Evaluator
    from engine.incidents.load import load_input
    from engine.report import html as page

    # an unresolved actor's attack on a covered party is a violation here: only `HEZBOLLAH`'s is, and only the
    # violations are listed, but the counts name the actor by its most told spelling, `Hezbollah`
    blamed = {"id": "unresolved-blamed", "clause": "c", "priority": 1, "verdict": "violation", "explanation": "x",
              "when": {"actor.role": "unknown", "target.role": "covered"}}  # fmt: skip
    compiled = with_rules(ruleset("syria-2016-09"), blamed)
    path = alike(tmp_path, ("HEZBOLLAH", "Hezbollah", "Hezbollah"))
    path.write_text(path.read_text(encoding="utf-8").replace("Hezbollah,shelling,SAA", "Hezbollah,shelling,civilians"))
    with Evaluator(compiled, "columnar") as evaluator:
        report = evaluator.report("alike", load_input(path, "syria-2016-09").frame)
    assert list(report.by_party()) == [ONE_NAME]
    monkeypatch.setattr(page, "LIMIT", 1)
    out = page.run_html(report)
    assert 'id="partial"' in out
    assert f"<option>{ONE_NAME}</option></select>" in out and out.count('data-parties="') == 1
    assert f'data-parties="{ONE_NAME}"' in out
