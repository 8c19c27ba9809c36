"""How the package starts and ships: `--help` loads no machinery; the wheel holds every file and runs anywhere."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import engine
from engine.cli.main import COMMANDS
from tests.conftest import ROOT

# What only evaluating needs; none of it may be imported to answer --version or --help.
HEAVY = ("polars", "durable", "pydantic", "pydantic_core", "rich", "yaml")

# Calls main as the console script does, then prints every module that was imported (as JSON on a line of its own).
RUNNER = """
import sys
from contextlib import redirect_stdout
from io import StringIO
from engine.cli.main import main
with redirect_stdout(StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
loaded = sorted(sys.modules)
import json
print(json.dumps(loaded))
"""

LIGHT = [["--version"], ["--help"], *([command, "--help"] for command in COMMANDS)]


def modules(*argv: str) -> list[str]:
    """The modules that `ceasefire ARGV` imports, run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", RUNNER, *argv], capture_output=True, text=True, check=True, cwd=ROOT)
    names: list[str] = json.loads(done.stdout)
    return names


def imported(*argv: str) -> set[str]:
    """The top-level names of the modules that `ceasefire ARGV` imports, run in a fresh interpreter."""
    return {name.split(".")[0] for name in modules(*argv)}


@pytest.mark.parametrize("argv", LIGHT, ids=" ".join)
def test_version_and_help_import_no_machinery(argv: list[str]) -> None:
    heavy = sorted(imported(*argv) & set(HEAVY))
    assert heavy == [], f"`ceasefire {' '.join(argv)}` imported {heavy}: import them in the command's handler"


def test_version_is_said_as_the_parser_says_it_without_loading_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli.main import main, parser

    with pytest.raises(SystemExit) as done:
        parser().parse_args(["--version"])
    said = capsys.readouterr().out
    assert done.value.code == 0 and main(["--version"]) == 0
    assert capsys.readouterr().out == said == f"ceasefire-sim {engine.__version__}\n"
    assert not {f"engine.cli.{command}" for command in COMMANDS} & set(modules("--version"))


def test_the_api_is_there_when_asked_for() -> None:
    namespace: dict[str, object] = {}
    exec("from engine import *", namespace)
    assert set(engine.__all__) <= set(namespace) and set(engine.__all__) <= set(dir(engine))
    assert engine.load_ruleset.__module__ == "engine.ruleset.load"
    with pytest.raises(AttributeError, match="no attribute 'evaluat'"):
        getattr(engine, "evaluat")  # noqa: B009


def test_what_the_command_line_repeats_to_start_light_agrees_with_its_source() -> None:
    import engine.analysis.sweep
    import engine.cli.schema
    import engine.cli.sweep
    import engine.evaluation.durable
    import engine.evaluation.engines
    import engine.evaluation.pipeline
    import engine.schemas

    engines, pipeline = engine.evaluation.engines, engine.evaluation.pipeline
    assert (engines.ENGINES, engines.RENAMED) == (pipeline.ENGINES, pipeline.RENAMED)
    assert engine.cli.schema.KINDS == engine.schemas.KINDS
    assert engine.cli.sweep.MAX_COMBINATIONS == engine.analysis.sweep.MAX_COMBINATIONS
    assert engine.cli.schema.path_of("ruleset") == engine.schemas.path_of("ruleset")


# Data files that ship, wherever they are under engine/ (and rules/, shipped as engine/rules).
DATA = (".yaml", ".yml", ".json", ".geojson", ".csv", ".html", ".j2", ".css", ".js")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")


def expected_files() -> set[str]:
    """Every module and data file of the checkout, named as it is inside a wheel."""
    names = set()
    for folder, inside in ((ROOT / "engine", "engine"), (ROOT / "rules", "engine/rules")):
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", *DATA):
                names.add(f"{inside}/{path.relative_to(folder).as_posix()}")
    return names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel, from a copy of the checkout (so that the build leaves nothing in it)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("engine", "rules"):
        shutil.copytree(ROOT / name, source / name, ignore=SKIP)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "-w", str(out), "-q"], check=True, cwd=source)
    (built,) = out.glob("ceasefire_sim-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; its dependencies are seen from this one's."""
    env = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "--python", str(python)]
    subprocess.run([*pip, "install", "--no-deps", "-q", str(wheel)], check=True)
    # Only now the dependencies (polars, durable_rules, …) without building them again: this environment's
    # site-packages, added after the new one's. A path in a .pth file does not run the .pth files inside
    # it, so an editable install of this checkout stays out of sight.
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return env


def ceasefire(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed console script, run from `cwd` with nothing of the checkout on its path."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return subprocess.run([env / "bin" / "ceasefire", *args], capture_output=True, text=True, cwd=cwd, env=clean)


@pytest.mark.slow
def test_the_wheel_holds_every_module_schema_and_ruleset(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"engine/schemas/ruleset.schema.json", "engine/schemas/scenario.schema.json"} <= names
    assert {"engine/rules/syria-2016-09.yaml", "engine/rules/variants/strict-liability.yaml"} <= names
    missing = sorted(expected_files() - names)
    assert missing == [], f"not in the wheel (a package missing from [tool.setuptools] packages?): {missing}"


@pytest.mark.slow
def test_the_installed_wheel_runs_a_scenario_from_anywhere(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [installed / "bin" / "python", "-c", "import engine; print(engine.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed), f"the wheel's engine is not the one imported: {where}"

    scenario = ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"
    done = ceasefire(installed, "run", str(scenario), "--width", "200", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for shown in ("dez-airstrike", "disputed", "dez-isis-attack", "not_covered", "syria-2016-09"):
        assert shown in done.stdout

    # a scenario away from any checkout names its ruleset by id: found among the rulesets the wheel ships
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    shutil.copy2(scenario, alone / scenario.name)
    assert "ruleset: syria-2016-09\n" in scenario.read_text(encoding="utf-8")
    done = ceasefire(installed, "run", scenario.name, "--format", "json", cwd=alone)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ruleset"] == "syria-2016-09"
    assert [v["verdict"] for v in report["verdicts"]] == ["disputed", "not_covered"]
    page = ceasefire(installed, "run", scenario.name, "--format", "html", cwd=alone)  # its templates are shipped
    assert page.returncode == 0 and page.stdout.startswith("<!DOCTYPE html>"), page.stderr

    assert ceasefire(installed, "--version", cwd=tmp_path).stdout == f"ceasefire-sim {engine.__version__}\n"
