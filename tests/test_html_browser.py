"""HTML reports in a real browser: headless Chromium (Debian's) driven by Playwright.

They skip where Chromium or Playwright is missing, and fail under CI (tests/conftest.py). One browser serves the
module. A screenshot of each page is written to $TEST_ARTEFACTS (else a temporary folder) as it is tested.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from tests.conftest import chromium
from tests.test_html import HOSTILE, MATH, PAGES, embedded, hostile_scenario

pytestmark = pytest.mark.skipif(chromium() is None, reason="Chromium or Playwright absent")

# The flags without which Chromium reaches for its own services (and, on a closed network, logs failures).
ARGS = [
    "--headless",
    "--no-sandbox",  # run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = 375  # px


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each command's page, and the run of a scenario whose names are markup (`hostile`), as files."""
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for kind, argv in {**PAGES, "hostile": ["run", str(hostile_scenario(folder)), "-e", "columnar"]}.items():
        out[kind] = folder / f"{kind}.html"
        assert main([*argv, "-f", "html", "-o", str(out[kind])]) == 0
    return out


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("TEST_ARTEFACTS")
    folder = Path(named) if named else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Opened:
    """A page opened from its file, with every request it made (but itself) and every console error."""

    def __init__(self, browser: Any, path: Path, width: int = 1100, scripts: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=scripts)
        self.page = self.context.new_page()
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on(
            "request",
            lambda r: None if r.url in (self.url,) or r.url.startswith("data:") else self.requests.append(r.url),
        )
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.url)

    def close(self) -> None:
        self.context.close()

    def report(self) -> dict[str, Any]:
        """The JSON report the page embeds, as the page's own script would read it."""
        return json.loads(self.page.locator("#report").text_content())

    def visible(self) -> list[str]:
        return self.page.eval_on_selector_all("#incidents > tbody", "bs => bs.filter(b => !b.hidden).map(b => b.id)")


@pytest.fixture
def opened(browser: Any) -> Iterator[Any]:
    made: list[Opened] = []

    def open_(path: Path, **options: Any) -> Opened:
        made.append(Opened(browser, path, **options))
        return made[-1]

    yield open_
    for o in made:
        o.close()


@pytest.mark.parametrize("kind", [*PAGES, "hostile"])
def test_the_page_loads_offline_without_errors_and_fits_a_phone(
    opened: Any, pages: dict[str, Path], artefacts: Path, kind: str
) -> None:
    o = opened(pages[kind])
    assert o.requests == [] and o.errors == [] and o.dialogs == []
    o.page.screenshot(path=str(artefacts / f"{kind}.png"), full_page=True)
    o.page.set_viewport_size({"width": PHONE, "height": 800})
    widest = o.page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, "
        "...Array.from(document.querySelectorAll('body *'), e => Math.ceil(e.getBoundingClientRect().right)))"
    )
    assert widest <= PHONE, f"something is {widest} px wide on a {PHONE} px screen"
    o.page.screenshot(path=str(artefacts / f"{kind}-{PHONE}px.png"), full_page=True)
    assert o.requests == [] and o.errors == []


def test_the_counts_on_the_page_are_the_json_reports(opened: Any, pages: dict[str, Path]) -> None:
    o = opened(pages["run"])
    report = o.report()
    shown = o.page.eval_on_selector_all(
        "#counts li[data-verdict]", "items => items.map(i => [i.dataset.verdict, i.querySelector('.n').textContent])"
    )
    assert {verdict: int(n) for verdict, n in shown} == report["summary"]
    assert o.page.locator("#incidents > tbody").count() == len(report["verdicts"])
    assert o.page.locator("#shown").text_content() == f"{len(report['verdicts'])} of {len(report['verdicts'])} shown"


def test_filters_narrow_the_incidents_and_details_open(opened: Any, pages: dict[str, Path]) -> None:
    o = opened(pages["run"])
    report = o.report()
    for verdict in ("permitted", "not_covered", "disputed", "undetermined"):
        o.page.uncheck(f"#controls input[value={verdict}]")
    violations = [f"i{n}" for n, v in enumerate(report["verdicts"], 1) if v["verdict"] == "violation"]
    assert o.visible() == violations and len(violations) == report["summary"]["violation"]
    o.page.check("#controls input[value=permitted]")
    o.page.select_option("#party", "Syrian government forces")
    assert all(
        "Syrian government forces" in o.page.get_attribute(f"#{i}", "data-parties").split("\n") for i in o.visible()
    )
    o.page.select_option("#party", "")
    o.page.fill("#search", "castello")
    assert o.visible() == [] or all("castello" in o.page.text_content(f"#{i}").lower() for i in o.visible())
    o.page.fill("#search", "")
    for box in o.page.locator("#controls input[name=verdict]").all():
        box.check()
    first = o.page.locator("#incidents details").first
    assert not first.locator("dl").is_visible()
    first.locator("summary").click()
    assert first.get_attribute("open") is not None and first.locator("dl").is_visible()


def test_a_column_sorts_the_incidents(opened: Any, pages: dict[str, Path]) -> None:
    o = opened(pages["run"])
    o.page.click("#incidents th button:text-is('incident')")
    ids = o.page.eval_on_selector_all(
        "#incidents > tbody > tr:first-child > td:nth-child(3)", "cs => cs.map(c => c.textContent)"
    )
    assert ids == sorted(ids, key=str.lower) and len(ids) == len(o.report()["verdicts"])


def test_with_scripts_blocked_every_incident_and_explanation_is_there(opened: Any, pages: dict[str, Path]) -> None:
    report = json.loads(embedded(pages["run"].read_text(encoding="utf-8")))
    o = opened(pages["run"], scripts=False)
    assert not o.page.locator("#controls").is_visible()
    assert o.page.locator("#incidents > tbody").count() == len(report["verdicts"])
    summaries = o.page.locator("#incidents details > summary").all_inner_texts()
    assert summaries == [v["explanation"] for v in report["verdicts"]]
    assert all(o.page.locator("#incidents details > summary").nth(i).is_visible() for i in range(len(summaries)))
    accounts = {a["source"] for v in report["verdicts"] for a in v["accounts"]}
    text = o.page.locator("#incidents").text_content()
    assert all(source in text for source in accounts)


def test_printing_opens_every_details(opened: Any, pages: dict[str, Path]) -> None:
    o = opened(pages["run"])
    o.page.emulate_media(media="print")
    o.page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert o.page.locator("#incidents details[open]").count() == o.page.locator("#incidents details").count()
    assert not o.page.locator("#controls").is_visible()


def test_names_that_are_markup_show_as_text(opened: Any, pages: dict[str, Path]) -> None:
    o = opened(pages["hostile"])
    assert o.dialogs == [] and o.errors == []
    assert o.page.locator("#incidents > tbody").count() == 2
    ids = o.page.locator("#incidents > tbody > tr:first-child > td:nth-child(3)").all_text_contents()
    assert ids == [HOSTILE, "mathtext"]
    assert o.page.locator("#incidents .accounts td").all_text_contents()[0] == HOSTILE  # an account's source
    text = o.page.locator("body").inner_text()
    assert "<img src=x onerror=alert(3)>" in text and "<b>place</b>" in text
    assert o.page.locator("img, b:text-is('place')").count() == 0
    assert f"{MATH} (unresolved)" in o.page.locator("#chart-parties text").all_text_contents()
    assert o.report()["verdicts"][0]["incident"] == HOSTILE
