"""Output paths (--output, --plot, `schema --write`): refused before any work, never an input, devices kept."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

import engine.cli.schema
from engine.cli.outputs import output, same_file
from engine.errors import InputError
from engine.schemas import schema_text
from tests.conftest import ROOT, Cli

DEZ = ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"
RULES = ROOT / "rules"
STRICT = "policy.mistaken_target=permitted,violation"
TABLE = '{"id": "e1", "time": "2016-09-17T16:00:00+03:00", "actor": "US-led coalition", "act": "airstrike"}\n'

# Every command that takes --output, as arguments before it: each must treat the path alike.
COMMANDS = {
    "run": ["run", str(DEZ), "-e", "columnar"],
    "explain": ["explain", str(DEZ), "dez-airstrike", "-e", "columnar"],
    "whatif": ["whatif", str(DEZ), "--set", "policy.mistaken_target=violation", "-e", "columnar"],
    "sweep": ["sweep", str(DEZ), "--param", STRICT, "-e", "columnar", "-j", "1"],
    "diff": ["diff", "syria-2016-09", str(RULES / "variants" / "strict-liability.yaml"), "-e", "columnar"],
}


def refused(cli: Cli, *args: str) -> str:
    """The one error line of a run that must fail with exit 2 and print nothing else."""
    code, out, err = cli(*args)
    assert (code, out) == (2, ""), err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    return err.removeprefix("error: ").rstrip("\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped rules and scenarios, as the working folder: inputs that may be overwritten."""
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def char_device(path: Path, minor: int) -> Path:
    """A memory device (minor 3 = null, 7 = full) made in a test folder, so that replacing it loses nothing."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        os.close(os.open(path, os.O_WRONLY))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a usable device here: {exc}")
    return path


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("afile/report.json", "afile/report.json: --output folder `afile` is not a folder"),
        ("afile/deeper/report.json", "afile/deeper/report.json: --output folder `afile` is not a folder"),
        ("nowhere/report.json", "nowhere/report.json: --output folder `nowhere` does not exist"),
        ("nowhere/", "nowhere/: --output ends in `/`, so it names a folder; expected a file path"),
        ("afolder/", "afolder/: --output ends in `/`, so it names a folder; expected a file path"),
        ("afolder", "afolder: --output is a directory; expected a file path"),
        ("x" * 300 + ".json", "x" * 300 + ".json: --output: cannot write: file name too long"),
        ("", "--output: names no file; expected a file path"),
    ],
    ids=["parent-is-file", "ancestor-is-file", "parent-missing", "slash-missing", "slash-dir", "dir", "long", "empty"],
)
def test_a_bad_output_path_is_one_line_before_any_work(
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    target: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("keep\n")
    (tmp_path / "afolder").mkdir()
    assert refused(cli, *COMMANDS[command], "-o", target) == message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "afolder"]  # nothing made, not even `nowhere`
    assert (tmp_path / "afile").read_text() == "keep\n" and list((tmp_path / "afolder").iterdir()) == []


def test_the_output_is_checked_before_the_input_is_read(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "r.json"
    assert refused(cli, "run", str(tmp_path / "missing.yaml"), "-o", str(target)).endswith("does not exist")


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="no sysfs")
def test_a_folder_that_takes_no_new_file_is_refused(cli: Cli) -> None:
    # sysfs refuses new files even to root: the check makes one, so it knows before the run
    assert refused(cli, *COMMANDS["run"], "-o", "/sys/x.json") == (
        "/sys/x.json: --output: cannot write: its folder `/sys` takes no new file (permission denied)"
    )


@pytest.mark.skipif(not os.access("/proc/version", os.W_OK), reason="no procfs, or not root: refused for itself")
def test_a_file_whose_folder_takes_no_new_file_is_refused_for_its_folder(cli: Cli) -> None:
    assert refused(cli, *COMMANDS["run"], "-o", "/proc/version") == (
        "/proc/version: --output: cannot write: its folder `/proc` takes no new file (no such file or directory)"
    )


def test_a_failed_write_is_one_line(cli: Cli, tmp_path: Path) -> None:
    full = char_device(tmp_path / "full", 7)  # every write fails: no space left on device
    message = refused(cli, *COMMANDS["run"], "-f", "json", "-o", str(full))
    assert message == f"{full}: --output: cannot write: no space left on device"
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_output_turns_an_os_error_into_an_input_error(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    with pytest.raises(InputError) as exc, output(str(target)) as out:
        out.write("partial")
        raise OSError(28, "No space left on device")
    assert str(exc.value) == f"{target}: --output: cannot write: no space left on device"
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary copy is left


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (["run", "scenarios/deir-ezzor-2016-09-17.yaml"], "scenarios/deir-ezzor-2016-09-17.yaml"),
        (["run", "scenarios/deir-ezzor-2016-09-17.yaml"], "./scenarios/../scenarios/deir-ezzor-2016-09-17.yaml"),
        (["run", "events.jsonl", "--rules", "syria-2016-09"], "events.jsonl"),
        (["run", "events.jsonl", "--rules", "syria-2016-09"], "rules/syria-2016-09.yaml"),
        (["run", "scenarios/deir-ezzor-2016-09-17.yaml"], "rules/syria-2016-09.yaml"),  # the ruleset it names
        (["run", "events.jsonl", "-r", "rules/variants/strict-liability.yaml"], "rules/syria-2016-09.yaml"),
        (["explain", "scenarios/deir-ezzor-2016-09-17.yaml", "dez-airstrike"], "rules/syria-2016-09.yaml"),
        (["whatif", "events.jsonl", "-r", "syria-2016-09", "-V", "syria-2016-02"], "rules/syria-2016-02.yaml"),
        (
            ["whatif", "scenarios/deir-ezzor-2016-09-17.yaml", "-s", "policy.sponsors_bound=false"],
            "rules/syria-2016-09.yaml",
        ),
        (["diff", "syria-2016-02", "rules/variants/strict-liability.yaml"], "rules/syria-2016-09.yaml"),
        (["diff", "syria-2016-02", "rules/variants/strict-liability.yaml"], "rules/variants/strict-liability.yaml"),
        (["sweep", "scenarios/deir-ezzor-2016-09-17.yaml", "-p", STRICT], "scenarios/deir-ezzor-2016-09-17.yaml"),
        (["sweep", "scenarios/deir-ezzor-2016-09-17.yaml", "-p", STRICT], "rules/syria-2016-09.yaml"),
    ],
    ids=[
        "scenario",
        "scenario-spelt-otherwise",
        "table",
        "rules-by-id",
        "scenario-ruleset",
        "extended-base",
        "explain",
        "variant",
        "whatif-base",
        "diff-base",
        "diff-variant",
        "sweep-scenario",
        "sweep-ruleset",
    ],
)
def test_an_input_is_never_the_output(cli: Cli, project: Path, args: list[str], target: str) -> None:
    (project / "events.jsonl").write_text(TABLE)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    message = refused(cli, *args, "-e", "columnar", "-o", target)
    assert message.startswith(f"{target}: --output is ") and message.endswith(
        "an input of this run; choose another file"
    ), message
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_an_input_reached_through_a_link_is_refused_and_named(cli: Cli, project: Path) -> None:
    (project / "alias.yaml").symlink_to("scenarios/deir-ezzor-2016-09-17.yaml")
    os.link(project / "rules" / "syria-2016-09.yaml", project / "hard.yaml")
    scenario = "scenarios/deir-ezzor-2016-09-17.yaml"
    message = refused(cli, "run", scenario, "-o", "alias.yaml")
    assert message == f"alias.yaml: --output is `{scenario}`, an input of this run; choose another file"
    message = refused(cli, "run", scenario, "-o", "hard.yaml")
    assert message == "hard.yaml: --output is `rules/syria-2016-09.yaml`, an input of this run; choose another file"
    assert (project / "alias.yaml").is_symlink()


def test_sweep_refuses_one_file_for_the_report_and_the_plot(cli: Cli, tmp_path: Path) -> None:
    same = tmp_path / "same.png"
    other = tmp_path / "sub" / ".." / "same.png"
    (tmp_path / "sub").mkdir()
    for plot in (same, other):
        message = refused(cli, *COMMANDS["sweep"], "-o", str(same), "--plot", str(plot))
        assert message == f"{plot}: --plot names the same file as --output; give each its own file"
    assert not same.exists()


@pytest.mark.parametrize(
    ("plot", "message"),
    [
        ("nowhere/", "nowhere/: --plot ends in `/`, so it names a folder; expected a file path"),
        ("afile/chart.png", "afile/chart.png: --plot folder `afile` is not a folder"),
        ("chart.png/", "chart.png/: --plot ends in `/`, so it names a folder; expected a file path"),
    ],
)
def test_the_plot_path_is_checked_as_the_output_is(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plot: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("keep\n")
    assert refused(cli, *COMMANDS["sweep"], "--plot", plot) == message
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


def test_a_character_device_is_written_not_replaced(cli: Cli, tmp_path: Path) -> None:
    null = char_device(tmp_path / "null", 3)
    for command in COMMANDS.values():
        code, out, err = cli(*command, "-o", str(null))
        assert (code, out, err) == (0, "", "")
        assert stat.S_ISCHR(os.stat(null).st_mode), f"{command[0]} replaced the device"
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temporary file left beside it


def test_a_fifo_is_written_into_not_replaced(cli: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # opened for reading first, without blocking: the report is far smaller than a pipe's buffer, so the
    # write completes at once, and a regression that replaced the FIFO would read as empty, not hang
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert cli(*COMMANDS["run"], "-f", "json", "-o", str(fifo))[0] == 0
        data = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert json.loads(data)["scenario"] == "deir-ezzor-2016-09-17"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_link_stays_a_link_and_its_file_gets_the_report(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("old\n")
    link, dangling = tmp_path / "link.json", tmp_path / "dangling.json"
    link.symlink_to("real.json")
    dangling.symlink_to("made.json")
    for path in (link, dangling):
        assert cli(*COMMANDS["run"], "-f", "json", "-o", str(path))[0] == 0
        assert path.is_symlink()
        assert json.loads(path.read_text())["scenario"] == "deir-ezzor-2016-09-17"
    assert os.readlink(link) == "real.json" and (tmp_path / "made.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.json", "link.json", "made.json", "real.json"]


def test_a_report_replaces_an_existing_file_whole(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("x" * 100_000)
    assert cli(*COMMANDS["run"], "-f", "json", "-o", str(target))[0] == 0
    assert json.loads(target.read_text())["scenario"] == "deir-ezzor-2016-09-17"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_same_file_compares_existing_files_by_identity_and_new_ones_by_name(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    os.link(tmp_path / "a", tmp_path / "b")
    (tmp_path / "c").write_text("a")
    assert same_file(tmp_path / "a", tmp_path / "b") and not same_file(tmp_path / "a", tmp_path / "c")
    assert same_file(tmp_path / "new", str(tmp_path / "x" / ".." / "new"))
    assert not same_file(tmp_path / "new", tmp_path / "new2")


def test_schema_write_checks_its_path_and_writes_whole(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = tmp_path / "engine" / "schemas"  # a source checkout's: pyproject.toml beside engine/
    folder = schemas / "ruleset.schema.json"
    folder.mkdir(parents=True)
    monkeypatch.setattr(engine.cli.schema, "path_of", lambda kind: schemas / f"{kind}.schema.json")
    message = refused(cli, "schema", "ruleset", "--write")
    assert message.startswith("--write: refreshes a source checkout's engine/schemas/; this one is the installed")
    (tmp_path / "pyproject.toml").write_text("")
    message = refused(cli, "schema", "ruleset", "--write")
    assert message == f"{folder}: --write is a directory; expected a file path"
    assert cli("schema", "scenario", "--write") == (0, f"wrote {schemas / 'scenario.schema.json'}\n", "")
    assert (schemas / "scenario.schema.json").read_text(encoding="utf-8") == schema_text("scenario")


def test_no_output_writes_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    with output(None) as out:
        assert out is sys.stdout
        out.write("hello\n")
    assert capsys.readouterr().out == "hello\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["run", str(DEZ)],
        ["run", str(DEZ), "-f", "json"],
        ["run", str(DEZ), "-f", "jsonl"],
        ["check", str(DEZ)],
    ],
)
def test_standard_output_that_cannot_be_written_is_one_line(argv: list[str]) -> None:
    import subprocess

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "engine", *argv], stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2
    assert done.stderr == "error: cannot write the output: No space left on device\n"


WEEK = ROOT / "scenarios" / "syria-week-2016-09.yaml"


@pytest.mark.parametrize(
    "argv",
    [
        ["timeline", str(DEZ)],
        ["sweep", str(DEZ), "--param", STRICT, "-e", "columnar", "-j", "1"],
        ["credence", str(WEEK), "--credence", "Russian MoD=0.3", "--samples", "5"],
        ["timeline", str(DEZ), "-o", "/dev/stdout"],
    ],
    ids=["timeline", "sweep", "credence", "output-to-stdout"],
)
def test_a_plot_is_written_though_the_reader_of_standard_output_went_away(argv: list[str], tmp_path: Path) -> None:
    """`| head`: the reader of standard output gone is no failure of the run (status 0, nothing said, as for any
    report), and the chart asked for with --plot is written all the same."""
    import subprocess

    chart = tmp_path / "days.svg"
    read, write = os.pipe()
    os.close(read)  # gone before the first line: every write to the pipe fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "engine", *argv, "--plot", str(chart)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write)
    said = [line for line in done.stderr.splitlines() if not line.startswith("note: ")]  # the week's unresolved
    assert (done.returncode, said) == (0, [])
    assert chart.read_text(encoding="utf-8").startswith("<?xml")


def test_ctrl_c_reaches_the_caller_of_main_and_ends_the_program_with_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cli import check
    from engine.cli.main import main, program

    def interrupted(_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "check", interrupted)  # the handler `check` registers, looked up when it runs
    monkeypatch.setattr(sys, "argv", ["ceasefire", "check", str(DEZ)])
    with pytest.raises(KeyboardInterrupt):  # a test run calling main() in-process stops at Ctrl-C
        main()
    assert program() == 130


def test_an_output_of_dash_is_standard_output(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("run", str(DEZ), "--format", "json", "--output", "-")
    assert code == 0 and json.loads(out)["scenario"] == "deir-ezzor-2016-09-17"
    assert not (tmp_path / "-").exists()
    code, _, err = cli("run", str(DEZ), "--format", "parquet", "-o", "-")
    assert code == 2 and "name a file with --output FILE" in err


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("r.json", "{"),
        ("r.md", "# deir-ezzor"),
        ("r.html", "<!DOCTYPE html>"),
        ("r.jsonl", '{"incident"'),
        ("r.txt", "deir"),
    ],
)
def test_the_format_is_what_the_output_s_suffix_names(cli: Cli, tmp_path: Path, name: str, starts: str) -> None:
    code, _, err = cli(*COMMANDS["run"], "-o", str(tmp_path / name))
    assert code == 0 and "warning" not in err
    assert (tmp_path / name).read_text(encoding="utf-8").lstrip().startswith(starts)


def test_a_suffix_the_command_does_not_write_leaves_its_default_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "tree.md"
    code, _, err = cli(*COMMANDS["explain"], "-o", str(out))  # explain writes a tree or JSON
    assert code == 0 and not out.read_text(encoding="utf-8").startswith("{")
    assert err == (
        f"warning: {out}: its suffix says markdown, which this command does not write; tree is written to it "
        "(--format takes tree, json)\n"
    )
    code, _, err = cli(*COMMANDS["explain"], "-o", str(tmp_path / "tree.txt"))  # a suffix that names no format
    assert code == 0 and not err


RUN_FORMATS = "table is written to it (--format takes table, json, jsonl, markdown, parquet, html)"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("r.yaml", "its suffix `.yaml` names no format ceasefire writes; "),
        ("r.pq", "its suffix `.pq` names no format ceasefire writes; did you mean `.parquet`?; "),
        ("r.jsn", "its suffix `.jsn` names no format ceasefire writes; did you mean `.json`?; "),
        ("report", "its name has no suffix to name a format; "),
    ],
)
def test_a_name_that_names_no_format_is_written_the_default_with_a_warning(
    cli: Cli, tmp_path: Path, name: str, said: str
) -> None:
    out = tmp_path / name
    code, _, err = cli(*COMMANDS["run"], "-o", str(out))  # as a suffix of a format the command does not write is
    assert code == 0 and out.read_text(encoding="utf-8").startswith("deir-ezzor")
    assert err == f"warning: {out}: {said}{RUN_FORMATS}\n"
    assert cli(*COMMANDS["run"], "-f", "table", "-o", str(out)) == (0, "", "")  # a format given: nothing to say
    assert cli(*COMMANDS["run"], "-o", os.devnull) == (0, "", "")  # a device has no name to name one


def test_a_warning_of_the_format_is_given_only_once_the_report_is_written(cli: Cli, project: Path) -> None:
    scenario = "scenarios/deir-ezzor-2016-09-17.yaml"
    assert (
        refused(cli, "run", scenario, "-o", scenario)
        == f"{scenario}: --output is an input of this run; choose another file"
    )
    assert (
        refused(cli, "run", scenario, "-o", "nowhere/r.csv")
        == "nowhere/r.csv: --output folder `nowhere` does not exist"
    )


def test_a_format_the_file_s_name_contradicts_is_written_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code, _, err = cli(*COMMANDS["run"], "-f", "markdown", "-o", str(out))
    assert code == 0 and out.read_text(encoding="utf-8").startswith("# deir-ezzor")
    assert err == f"warning: {out}: its suffix says json, but --format markdown is what is written to it\n"


@pytest.mark.parametrize("tuned", ["ALLOCATOR", "BLAS_THREADS"])
@pytest.mark.parametrize("given", [None, "2"])
def test_the_program_tunes_polars_allocator_and_blas_unless_the_user_has(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], given: str | None, tuned: str
) -> None:
    import importlib

    from engine.cli.main import program

    name, ours = getattr(importlib.import_module("engine.cli.main"), tuned)
    if given is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, given)
    monkeypatch.setattr(sys, "argv", ["ceasefire", "--version"])
    assert program() == 0 and capsys.readouterr().out.startswith("ceasefire-sim")
    assert os.environ[name] == (given or ours)


@pytest.mark.parametrize("command", ["run", "check", "diff", "sweep", "names", "schema"])
def test_help_is_wrapped_to_the_terminal_but_its_examples_are_kept_as_written(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.cli.main import main

    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main([command, "--help"])
    shown = capsys.readouterr().out
    # the description: between the usage and the arguments (argparse lays those out itself)
    described = shown.split("\n\n", 1)[1].split("\npositional arguments:")[0].split("\noptions:")[0]
    assert described.strip() and max(len(line) for line in described.splitlines()) <= 80
    assert command != "schema" or "yaml-language-server" in described  # never cut at a hyphen
    examples = shown.split("\nexamples:\n")[1].split("\n\n")[0]
    assert all(line.startswith("  ceasefire ") for line in examples.splitlines())  # one example a line, as written
