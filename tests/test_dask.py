"""`engine.analysis.dispatch`: sweeps and what-ifs on local processes, any Executor and a Dask cluster alike."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import polars as pl
import pytest
from distributed import Client, LocalCluster

from engine.analysis.dispatch import THREADS, chunks, connect, run_all, workers
from engine.analysis.sweep import Base, parse_params, sweep
from engine.cli.run import load_report
from engine.incidents.synthetic import write_jsonl
from engine.incidents.synthetic_events import acled_frame
from tests.conftest import ROOT, Cli, ruleset

SPAWN = multiprocessing.get_context("spawn")  # a fork of a process running polars' threads can hang
DEZ = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
WEEK = str(ROOT / "scenarios" / "syria-week-2016-09.yaml")
GRID = [
    "--param",
    "policy.mistaken_target=permitted,violation",
    "--param",
    "policy.sponsors_bound=true,false",
    "--param",
    "parties.jfs.role=excluded,covered",
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two single-threaded worker processes on loopback, each under a nanny that starts it again if it dies."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # the scheduler serves HTTP whatever: on a free port, not 8787
        env={THREADS: "1"},
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster, set_as_default=False) as dask:
        yield dask


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 generated incidents: enough that a combination takes some milliseconds on a worker."""
    path = tmp_path_factory.mktemp("table") / "incidents.jsonl"
    write_jsonl(path, 2_000, seed=7, compiled=ruleset("syria-2016-09"))
    return path


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 synthetic ACLED rows, every 50th with a count that cannot be read: 6 rows skipped as bad."""
    path = tmp_path_factory.mktemp("export") / "acled.csv"
    unread = pl.when(pl.int_range(pl.len()) % 50 == 7).then(pl.lit("?")).otherwise(pl.col("fatalities"))
    rows = acled_frame(300, seed=3).with_columns(unread.alias("fatalities"))
    rows.with_columns(pl.all().replace("", None)).write_csv(path)  # an empty cell empty, as ACLED writes it
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there once closed


def ran(cli: Cli, *args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, err
    return out


# --- the same bytes wherever the work runs -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_sweep_on_the_cluster_is_byte_for_byte_the_local_one(cli: Cli, cluster: LocalCluster, fmt: str) -> None:
    args = ["sweep", WEEK, *GRID, "-e", "columnar", "-f", fmt]
    alone = ran(cli, *args, "-j", "1")
    assert ran(cli, *args, "--scheduler", cluster.scheduler_address) == alone
    assert ran(cli, *args, "-j", "2") == alone


def test_a_scheduler_file_names_the_cluster(cli: Cli, cluster: LocalCluster, tmp_path: Path) -> None:
    file = tmp_path / "scheduler.json"
    file.write_text(json.dumps({"type": "Scheduler", "address": cluster.scheduler_address}))
    args = ["sweep", DEZ, *GRID[:2], "-f", "json"]
    assert ran(cli, *args, "--scheduler", str(file)) == ran(cli, *args, "-j", "1")


def test_a_whatif_on_the_cluster_is_byte_for_byte_the_local_one(cli: Cli, cluster: LocalCluster) -> None:
    variants = ["--variant", "rules/variants/jfs-covered.yaml", "--variant", "rules/variants/sponsors-not-bound.yaml"]
    args = ["whatif", WEEK, *variants, "-e", "columnar", "-f", "json"]
    alone = ran(cli, *args)
    assert ran(cli, *args, "--scheduler", cluster.scheduler_address) == alone
    assert ran(cli, *args, "-j", "2") == alone
    assert json.loads(alone)["variants"][0]["changes"]  # something to compare: jfs covered changes verdicts


@pytest.mark.parametrize("command", ["sweep", "whatif"])
def test_an_exports_rows_skipped_are_said_once_on_the_cluster_as_locally(
    cli: Cli, cluster: LocalCluster, export: Path, command: str
) -> None:
    variants = ["--variant", "rules/variants/jfs-covered.yaml", "--variant", "rules/variants/sponsors-not-bound.yaml"]
    args = [command, str(export), "-r", "syria-2016-09", *(GRID if command == "sweep" else variants), "-f", "json"]
    alone = ran(cli, *args)
    assert ran(cli, *args, "--scheduler", cluster.scheduler_address) == alone
    assert ran(cli, *args, "-j", "2") == alone
    assert alone.count('"skipped"') == 1 and json.loads(alone)["skipped"]["rows"] == 6


@pytest.mark.parametrize("kind", ["dask", "threads", "processes"])
def test_the_api_takes_any_executor_and_gives_the_rows_of_one_process(client: Client, kind: str) -> None:
    base = Base.of(load_report(Path(WEEK), None, "columnar"))
    params = parse_params(GRID[1::2])
    alone = sweep(base, params)
    executor: Executor
    if kind == "dask":
        executor = client.get_executor()
    elif kind == "threads":
        executor = ThreadPoolExecutor(2)
    else:
        executor = ProcessPoolExecutor(2, mp_context=SPAWN)
    with executor:
        assert sweep(base, params, executor=executor) == alone


def shared_and_item(shared: str, item: int) -> tuple[str, int, int]:
    import polars as pl

    return shared, item, pl.thread_pool_size()


def test_each_local_worker_runs_polars_on_one_thread_and_results_keep_their_order() -> None:
    results = run_all(shared_and_item, "base", list(range(6)), jobs=2)
    assert results == [("base", i, 1) for i in range(6)]


def test_a_generic_executor_gets_the_shared_value_once_per_process_and_again_only_when_missing() -> None:
    with ProcessPoolExecutor(
        1, mp_context=SPAWN
    ) as pool:  # one process: the first task finds it missing, the rest find it kept
        asked: list[int] = []
        first = run_all(shared_and_item, "one", [1, 2, 3], pool, each=lambda i, _: asked.append(i))
        second = run_all(shared_and_item, "two", [4], pool)
    assert [r[:2] for r in first] == [("one", 1), ("one", 2), ("one", 3)]
    assert sorted(asked) == [0, 1, 2]  # each told once, the resend included
    assert second[0][:2] == ("two", 4)  # another shared value on the same worker: its own, not the last one


def test_work_is_cut_into_runs_of_neighbours_about_eight_a_worker() -> None:
    runs = chunks(list(range(100)), 3, 8)
    assert [start for start, _ in runs] == list(range(0, 100, 5))
    assert [x for _, part in runs for x in part] == list(range(100))
    assert workers(None, 4) == 4
    with ThreadPoolExecutor(3) as pool:
        assert workers(pool, 1) == 3


# --- a cluster that fails -------------------------------------------------------------------------------------


def test_a_killed_worker_mid_sweep_still_gives_the_local_result(
    client: Client, cluster: LocalCluster, table: Path
) -> None:
    base = Base.of(load_report(table, "syria-2016-09", "columnar"))
    params = parse_params(
        [
            "policy.mistaken_target=permitted,violation",
            "policy.sponsors_bound=true,false",
            "parties.jfs.role=excluded,covered",
            "parties.isis.role=excluded,covered",
        ]
    )
    alone = sweep(base, params)
    pids = client.run(os.getpid)
    killed: dict[str, Any] = {}

    def kill_once(done: int) -> None:
        if killed:
            return
        busy = client.processing()
        victim = max(busy, key=lambda w: len(busy[w]))
        killed.update(worker=victim, pid=pids[victim], busy=len(busy[victim]), done=done)
        os.kill(pids[victim], signal.SIGKILL)

    result = sweep(base, params, progress=kill_once, executor=client.get_executor())
    assert result == alone
    assert killed["busy"] >= 1 and killed["done"] < len(alone.rows)  # it died with work on it, mid-sweep
    deadline = time.monotonic() + 60
    while len(client.run(os.getpid)) < 2 and time.monotonic() < deadline:  # its nanny starts it again
        time.sleep(0.2)
    assert killed["pid"] not in client.run(os.getpid).values()


def test_a_bad_combination_on_the_cluster_is_one_line_and_exit_2(cli: Cli, cluster: LocalCluster) -> None:
    code, out, err = cli(
        "sweep",
        DEZ,
        "--param",
        "parties.jfs.name=Nusra2,Foo",
        "--param",
        "parties.isis.name=IS2,Foo",
        "--scheduler",
        cluster.scheduler_address,
    )
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.endswith("(in the combination parties.jfs.name=Foo, parties.isis.name=Foo)\n")


def test_ctrl_c_cancels_the_tasks_on_the_cluster(client: Client, table: Path) -> None:
    base = Base.of(load_report(table, "syria-2016-09", "columnar"))
    params = parse_params(["policy.mistaken_target=permitted,violation", "policy.sponsors_bound=true,false"] * 1)

    def interrupt(_: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(base, params, progress=interrupt, executor=client.get_executor())
    deadline = time.monotonic() + 30
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("nonsense", "--scheduler: `nonsense` is not a Dask scheduler's address (missing port number"),
        ("tcp://127.0.0.1:{port}", "--scheduler: `tcp://127.0.0.1:{port}`: no Dask scheduler answers there"),
        ("{file}", "--scheduler: `{file}`: a scheduler file names its scheduler's `address`; this one does not"),
    ],
)
def test_a_scheduler_that_cannot_be_reached_is_one_line_and_exit_2_before_any_work(
    cli: Cli, tmp_path: Path, address: str, message: str
) -> None:
    file = tmp_path / "scheduler.json"
    file.write_text("{}")
    given = {"port": free_port(), "file": file}
    start = time.monotonic()
    code, out, err = cli("sweep", DEZ, *GRID[:2], "--scheduler", address.format(**given))
    assert (code, out) == (2, "")
    assert err.startswith("error: " + message.format(**given)), err
    assert len(err.splitlines()) == 1
    assert time.monotonic() - start < 10


def test_connect_gives_up_within_its_timeout() -> None:
    with socket.socket() as listener:  # listens, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(Exception, match="no Dask scheduler answered within 1 s"):
            connect(address, timeout=1)
    assert time.monotonic() - start < 8


# --- a folder of Parquet files ---------------------------------------------------------------------------------

MONTHS = ("07", "08", "09")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """900 generated incidents as one table (`all.parquet`) and as a hive-partitioned folder (`in/month=MM/`)."""
    import polars as pl

    from engine.incidents.synthetic import write_parquet

    root = tmp_path_factory.mktemp("dataset")
    write_parquet(root / "all.parquet", 900, seed=11, compiled=ruleset("syria-2016-02"))
    whole = pl.read_parquet(root / "all.parquet")
    for i, month in enumerate(MONTHS):
        folder = root / "in" / f"month={month}"
        folder.mkdir(parents=True)
        whole.slice(i * 300, 300).write_parquet(folder / "data.parquet")
    (root / "in" / "_SUCCESS").write_text("")  # what Spark leaves beside a dataset: not a part
    return root


def parts(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def layout(folder: Path, *keys: str) -> str:
    """The warning naming the hive keys of `folder` that name no column (its layout), as a line of stderr."""
    many = f"{len(keys)} hive keys" if len(keys) > 1 else "1 hive key"
    return (
        f"warning: {folder}: ignoring {many} ceasefire does not read: {', '.join(keys)} (the dataset's layout, kept "
        "in the verdicts' folders)\n"
    )


@pytest.mark.parametrize("rules", ["syria-2016-02", "syria-2016-09"])  # part by part; in the parts' context
def test_a_folder_gives_a_dataset_with_a_part_for_each_part_and_the_verdicts_of_the_whole_table(
    cli: Cli, dataset: Path, tmp_path: Path, rules: str
) -> None:
    import polars as pl

    out, whole = tmp_path / "verdicts", tmp_path / "whole.parquet"
    code, _, err = cli("run", str(dataset / "in"), "--rules", rules, "-f", "parquet", "-o", str(out))
    assert code == 0, err
    assert list(parts(out)) == [f"month={m}/part-0000{i}.parquet" for i, m in enumerate(MONTHS)]
    assert err.startswith(layout(dataset / "in", "month") + "900 incidents in 3 parts: ")
    first = dataset / "in" / f"month={MONTHS[0]}" / "data.parquet"  # `names` reads a table: the note says which
    noted = f"`ceasefire names {first} --rules {rules}` lists those of its first part, and of each other" in err
    assert noted == (rules == "syria-2016-02")  # names unresolved inside its window; under 2016-09 none are
    ran(cli, "run", str(dataset / "all.parquet"), "--rules", rules, "-f", "parquet", "-o", str(whole))
    read = pl.read_parquet(out / "**" / "*.parquet", hive_partitioning=True)
    assert read.get_column("month").unique().sort().to_list() == [int(m) for m in MONTHS]  # the hive keys kept
    assert read.drop("month").equals(pl.read_parquet(whole))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_a_dataset_is_the_same_bytes_from_local_processes_and_the_cluster(
    cli: Cli, cluster: LocalCluster, dataset: Path, tmp_path: Path
) -> None:
    args = ["run", str(dataset / "in"), "--rules", "syria-2016-02", "-f", "parquet", "-o"]
    runs = {}
    for name, where in (
        ("one", ["-j", "1"]),
        ("two", ["-j", "2"]),
        ("dask", ["--scheduler", cluster.scheduler_address]),
    ):
        code, _, err = cli(*args, str(tmp_path / name), *where)
        assert code == 0, err
        runs[name] = (parts(tmp_path / name), err)
    assert runs["two"] == runs["one"]
    assert runs["dask"] == runs["one"]


def test_an_id_in_two_parts_is_one_line_and_nothing_is_written(cli: Cli, dataset: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for part in ("a", "b"):
        (folder / part).mkdir(parents=True)
        (folder / part / "x.parquet").write_bytes((dataset / "in" / "month=07" / "data.parquet").read_bytes())
    code, out, err = cli("run", str(folder), "--rules", "syria-2016-02", "-f", "parquet", "-o", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {folder}/b/x.parquet: incident id `gen-000000` is used twice (first in `{folder}/a/x.parquet`); "
        "ids are unique across a dataset\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # neither the output nor a temporary folder


def test_a_bad_part_is_one_line_and_nothing_is_written(cli: Cli, dataset: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.parquet").write_bytes((dataset / "in" / "month=07" / "data.parquet").read_bytes())
    (folder / "b.parquet").write_text("not parquet")
    code, _, err = cli("run", str(folder), "--rules", "syria-2016-02", "-f", "parquet", "-o", str(tmp_path / "out"))
    assert code == 2
    assert err == f"error: {folder}/b.parquet: not a Parquet file (its footer cannot be read)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-f", "jsonl"],
            "{in}: a folder of Parquet files is judged into a Parquet dataset, a part for each part; "
            "pass --format parquet --output FOLDER",
        ),
        (
            ["-f", "parquet", "-o", "{full}"],
            "{full}: --output folder is not empty; name a new folder (nothing is replaced)",
        ),
        (
            ["-f", "parquet", "-o", "{in}/out"],
            "{in}/out: --output is inside the input folder `{in}` or holds it; choose a folder apart",
        ),
        (["-f", "parquet", "-o", "{tmp}/no/out"], "{tmp}/no/out: --output folder `{tmp}/no` does not exist"),
    ],
)
def test_a_dataset_that_cannot_be_written_is_refused_before_any_work(
    cli: Cli, dataset: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    given = {"in": dataset / "in", "full": tmp_path / "full", "tmp": tmp_path}
    code, out, err = cli("run", str(dataset / "in"), "--rules", "syria-2016-02", *(a.format(**given) for a in args))
    assert (code, out) == (2, "")
    assert err == f"error: {message.format(**given)}\n"


def test_a_folder_run_without_a_format_writes_its_one_format(cli: Cli, dataset: Path, tmp_path: Path) -> None:
    code, _, err = cli("run", str(dataset / "in"), "--rules", "syria-2016-02", "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert "format" not in err  # a folder's name names no format, and needs none
    assert list(parts(tmp_path / "out")) == [f"month={m}/part-0000{i}.parquet" for i, m in enumerate(MONTHS)]
    code, _, err = cli("run", str(dataset / "in"), "--rules", "syria-2016-02")  # no --output: nowhere to write it
    assert code == 2 and "pass --format parquet --output FOLDER" in err
    code, _, err = cli("run", str(dataset / "in"), "--rules", "syria-2016-02", "-o", str(tmp_path / "v.json"))
    assert (code, err) == (
        2,
        f"error: {tmp_path / 'v.json'}: its suffix says json, but a folder of Parquet files is judged into a Parquet "
        "dataset, a part for each part; name a folder (-o verdicts/)\n",
    )
    assert not (tmp_path / "v.json").exists()


def hive(table: Any, key: str, folder: Path) -> Any:
    """`table` written under `folder` as hive partitions by the column `key` names (`key=VALUE/data.parquet`, the
    value percent-escaped, null as `__HIVE_DEFAULT_PARTITION__`), without that column, as pyarrow's
    `write_dataset(partitioning=[key], partitioning_flavor="hive")` lays them; the rows in the order the parts
    are read (sorted paths), with the column."""
    import polars as pl

    column = {"region": "admin1"}.get(key, key)
    groups = {
        f"{key}={'__HIVE_DEFAULT_PARTITION__' if value is None else quote(str(value), safe='')}": rows
        for (value,), rows in table.group_by(column, maintain_order=True)
    }
    for name, rows in groups.items():
        (folder / name).mkdir(parents=True)
        rows.drop(column).write_parquet(folder / name / "data.parquet")
    return pl.concat(groups[name] for name in sorted(groups, key=lambda name: f"{name}/data.parquet"))


def verdicts(out: Path) -> Any:
    """A dataset's verdicts, its parts' rows in order, without the hive keys its folders name."""
    import polars as pl

    found = sorted(out.rglob("*.parquet"), key=lambda p: p.as_posix())
    return pl.concat(pl.read_parquet(p, hive_partitioning=False) for p in found)


@pytest.mark.parametrize("rules", ["syria-2016-02", "syria-2016-09"])
@pytest.mark.parametrize("key", ["country", "region"])  # a column's name, and an alias (of `admin1`)
def test_a_hive_folder_gives_its_column_to_every_row_under_it_as_one_table_holding_it_would(
    cli: Cli, cluster: LocalCluster, dataset: Path, tmp_path: Path, key: str, rules: str
) -> None:
    import polars as pl

    # values with spaces (`%20%20Syria`) and nulls (`__HIVE_DEFAULT_PARTITION__`) among them
    flat = hive(pl.read_parquet(dataset / "all.parquet"), key, tmp_path / "in")
    flat.write_parquet(tmp_path / "flat.parquet")
    code, _, err = cli(
        "run", str(tmp_path / "in"), "--rules", rules, "-o", str(tmp_path / "out"), "--scheduler",
        cluster.scheduler_address,
    )  # fmt: skip
    assert code == 0 and "warning" not in err, err
    ran(cli, "run", str(tmp_path / "flat.parquet"), "--rules", rules, "-o", str(tmp_path / "v.parquet"))
    assert verdicts(tmp_path / "out").equals(pl.read_parquet(tmp_path / "v.parquet"))
    assert {p.parent.name for p in (tmp_path / "out").rglob("*.parquet")} == {
        p.name for p in (tmp_path / "in").iterdir()
    }  # the hive folders kept


def test_hive_values_are_percent_decoded_read_as_their_column_s_type_and_the_default_partition_is_not_told(
    dataset: Path, tmp_path: Path
) -> None:
    import polars as pl

    from engine.evaluation.dataset import HIVE_NULL, Given, parts_of

    folders = (
        "year=2016/admin1=Deir%20ez-Zor/location=Homs%2FHama/killed=3/latitude=35.3/mutual=%20True/country=" + HIVE_NULL
    )
    (tmp_path / folders).mkdir(parents=True)
    table = pl.read_parquet(dataset / "all.parquet").filter(pl.col("country") == "Syria", pl.col("longitude") < 40)
    table.drop("admin1", "location", "killed").write_parquet(tmp_path / folders / "data.parquet")
    [part] = parts_of(tmp_path)
    assert part.name == f"{folders}/part-00000.parquet"
    assert part.hive == (  # `year` names no column: the layout alone
        Given("admin1", "Deir ez-Zor", "year=2016/admin1=Deir%20ez-Zor"),
        Given("location", "Homs/Hama", "year=2016/admin1=Deir%20ez-Zor/location=Homs%2FHama"),
        Given("killed", 3, "year=2016/admin1=Deir%20ez-Zor/location=Homs%2FHama/killed=3"),
        Given("latitude", 35.3, "year=2016/admin1=Deir%20ez-Zor/location=Homs%2FHama/killed=3/latitude=35.3"),
        Given("mutual", True, folders.removesuffix("/country=" + HIVE_NULL)),  # as a CSV cell: any case, spaced
        Given("country", None, folders),
    )
    frame = part.reader(ruleset("syria-2016-02")).frame()
    assert frame.select("admin1", "location", "killed", "latitude", "mutual", "country").unique().rows() == [
        ("Deir ez-Zor", "Homs/Hama", 3, 35.3, True, None)  # the file's own `latitude` and `country` set aside
    ]
    assert frame.schema["killed"] == pl.Int64()


def test_a_hive_key_of_another_level_of_a_numbered_column_is_the_dataset_s_layout(
    cli: Cli, dataset: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in" / "admin0=Syria"  # a country, in GADM's words: no misspelling of `admin3`
    folder.mkdir(parents=True)
    (folder / "data.parquet").write_bytes((dataset / "in" / "month=07" / "data.parquet").read_bytes())
    out = tmp_path / "out"
    code, _, err = cli("run", str(tmp_path / "in"), "--rules", "syria-2016-09", "-f", "parquet", "-o", str(out))
    assert code == 0 and err.startswith(layout(tmp_path / "in", "admin0"))


def test_a_hive_key_naming_another_field_of_a_known_column_is_the_dataset_s_layout(
    cli: Cli, dataset: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in" / "location_id=7"  # an id of a place, not a misspelt `location`
    folder.mkdir(parents=True)
    (folder / "data.parquet").write_bytes((dataset / "in" / "month=07" / "data.parquet").read_bytes())
    out = tmp_path / "out"
    code, _, err = cli("run", str(tmp_path / "in"), "--rules", "syria-2016-09", "-f", "parquet", "-o", str(out))
    assert code == 0 and err.startswith(layout(tmp_path / "in", "location_id"))


@pytest.mark.parametrize(
    ("folders", "message"),
    [
        (
            "country=Syria/country=Iraq",
            "`country` is given twice in one path (`country=Syria`, then `country=Iraq`); keep one",
        ),
        (
            "region=Aleppo/year=2016/admin1=Aleppo",
            "keys `region` and `admin1` are both given; `region` is another name for `admin1`: keep one",
        ),
        ("killed=three", "the folder gives `killed` to every row under it: expected a whole number, got `three`"),
        ("mutual=yes", "the folder gives `mutual` to every row under it: expected true or false, got `yes`"),
        (
            "killed=99999999999999999999",  # past what a column of counts holds: said at the folder, not by polars
            "the folder gives `killed` to every row under it: `99999999999999999999` is too large; expected at "
            "most 1,000,000,000",
        ),
        (
            "latitude=35,3",
            "the folder gives `latitude` to every row under it: expected a number like 36.2 or -0.5, got `35,3`",
        ),
        # a key spelled nearly as a column is a misspelling, as such a column of a table is
        (
            "year=2016/admn1=Idleb",
            "the folder's key `admn1` names no column ceasefire reads; did you mean `admin1`? (a key of the "
            "dataset's own layout is named unlike any column)",
        ),
        (
            "Country=Iraq",
            "the folder's key `Country` names no column ceasefire reads; did you mean `country`? (a key of the "
            "dataset's own layout is named unlike any column)",
        ),
    ],
)
def test_a_hive_key_given_twice_or_a_number_that_is_none_is_one_line_and_nothing_is_written(
    cli: Cli, dataset: Path, tmp_path: Path, folders: str, message: str
) -> None:
    folder = tmp_path / "in" / folders
    folder.mkdir(parents=True)
    (folder / "data.parquet").write_bytes((dataset / "in" / "month=07" / "data.parquet").read_bytes())
    out = tmp_path / "out"
    code, stdout, err = cli("run", str(tmp_path / "in"), "--rules", "syria-2016-09", "-f", "parquet", "-o", str(out))
    assert (code, stdout, err) == (2, "", f"error: {folder}: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


CLASH = {
    "id": ["a", "b"],
    "time": ["2016-09-15T10:00:00+03:00"] * 2,
    "actor": ["Syrian Arab Army"] * 2,
    "act": ["airstrike"] * 2,
    "target": ["FSA"] * 2,
}


@pytest.mark.parametrize("rules", ["syria-2016-02", "syria-2016-09"])  # part by part; read first for the context
@pytest.mark.parametrize(
    ("folders", "columns", "message"),
    [
        (
            "year=2016/latitude=36.2",  # pyarrow's write_dataset(partitioning=["latitude"]) of half a point
            {},
            "the folder gives `latitude` to every row under it: `month=9/p.parquet` row 1: location: `latitude` "
            "without `longitude`; a point needs both",
        ),
        (
            "longitude=37.1",  # the file's latitude is missing in its second row
            {"latitude": [36.2, None]},
            "the folder gives `longitude` to every row under it: `month=9/p.parquet` row 2: location: `longitude` "
            "without `latitude`; a point needs both",
        ),
        (
            "lat=95",
            {"longitude": [37.1, 37.2]},
            "the folder gives `lat` to every row under it: `month=9/p.parquet` row 1: location.latitude: `95.0` is "
            "too large; expected at most 90",
        ),
        (
            "killed=-3",
            {},
            "the folder gives `killed` to every row under it: `month=9/p.parquet` row 1: casualties.killed: `-3` is "
            "too small; expected at least 0",
        ),
        (
            "id=a",
            {},
            "the folder gives `id` to every row under it: `month=9/p.parquet` row 2: id: incident id `a` is used "
            "twice (first on row 1)",
        ),
    ],
)
def test_a_bad_incident_a_hive_folder_s_value_makes_is_said_at_the_folder(
    cli: Cli, tmp_path: Path, folders: str, columns: dict[str, list[Any]], message: str, rules: str
) -> None:
    import polars as pl

    folder = tmp_path / "in" / folders / "month=9"
    folder.mkdir(parents=True)
    key = folders.rpartition("/")[2].partition("=")[0]
    pl.DataFrame({**CLASH, **columns}).drop(key, strict=False).write_parquet(folder / "p.parquet")  # as hive writes
    code, stdout, err = cli("run", str(tmp_path / "in"), "--rules", rules, "-f", "parquet", "-o", str(tmp_path / "out"))
    keys = ("month", "year") if folders.startswith("year=") else ("month",)  # the layout the case's folders add
    assert (code, stdout, err) == (
        2,
        "",
        layout(tmp_path / "in", *keys) + f"error: {tmp_path / 'in' / folders}: {message}\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_a_bad_cell_of_a_file_under_a_hive_folder_is_said_at_its_row(cli: Cli, tmp_path: Path) -> None:
    import polars as pl

    folder = tmp_path / "in" / "latitude=36.2"
    folder.mkdir(parents=True)
    pl.DataFrame({**CLASH, "longitude": [37.1, 200.0]}).write_parquet(folder / "p.parquet")
    code, _, err = cli("run", str(tmp_path / "in"), "--rules", "syria-2016-09", "-o", str(tmp_path / "out"))
    assert (code, err) == (
        2,
        f"error: {folder / 'p.parquet'}: row 2: location.longitude: `200.0` is too large; expected at most 180\n",
    )


def test_a_file_holding_its_folder_s_column_too_has_its_own_set_aside_said_where_they_differ(
    cli: Cli, dataset: Path, tmp_path: Path
) -> None:
    import polars as pl

    whole = pl.read_parquet(dataset / "all.parquet")
    for i, month in enumerate(MONTHS):  # every country, read as Iraq: as polars, pyarrow and DuckDB read it
        folder = tmp_path / "in" / "country=Iraq" / f"month={month}"
        folder.mkdir(parents=True)
        whole.slice(i * 300, 300).write_parquet(folder / "data.parquet")
    whole.with_columns(country=pl.lit("Iraq")).write_parquet(tmp_path / "iraq.parquet")
    code, _, err = cli("run", str(tmp_path / "in"), "--rules", "syria-2016-02", "-o", str(tmp_path / "out"))
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("warning")] == [
        layout(tmp_path / "in", "month").rstrip("\n"),
        f"warning: {tmp_path / 'in' / 'country=Iraq'}: its files hold `country` too, with other values: the folder's "
        "`country=Iraq` is read for every row under it instead, as polars and pyarrow read hive folders",
    ]  # one for the folder, not one for each of its parts
    ran(cli, "run", str(tmp_path / "iraq.parquet"), "--rules", "syria-2016-02", "-o", str(tmp_path / "v.parquet"))
    assert verdicts(tmp_path / "out").equals(pl.read_parquet(tmp_path / "v.parquet"))
    same = tmp_path / "same" / "country=Iraq"
    same.mkdir(parents=True)
    whole.with_columns(country=pl.lit("Iraq")).write_parquet(same / "data.parquet")
    code, _, err = cli("run", str(tmp_path / "same"), "--rules", "syria-2016-02", "-o", str(tmp_path / "out-same"))
    assert code == 0 and "warning" not in err  # the files tell what the folder does


def test_hive_keys_that_name_no_column_are_the_layout_named_in_one_warning(
    cli: Cli, dataset: Path, tmp_path: Path
) -> None:
    for month, folders in zip(MONTHS, ("year=2016/month=07", "year=2016/month=08", "year=2016/Month=09/batch=3")):
        (tmp_path / "in" / folders).mkdir(parents=True)
        data = (dataset / "in" / f"month={month}" / "data.parquet").read_bytes()
        (tmp_path / "in" / folders / "data.parquet").write_bytes(data)
    code, _, err = cli("run", str(tmp_path / "in"), "--rules", "syria-2016-09", "-o", str(tmp_path / "out"))
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("warning")] == [
        layout(tmp_path / "in", "Month", "batch", "month", "year").rstrip("\n")
    ]  # once for the dataset, not once for each folder


def test_a_folder_s_other_tables_are_said_not_read_and_a_folder_of_none_is_said_first(
    cli: Cli, dataset: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "in"
    shutil.copytree(dataset / "in", folder)
    (folder / "month=10").mkdir()
    (folder / "month=10" / "late.csv").write_text("id,time\nx,2016-10-01\n")
    code, _, err = cli("run", str(folder), "--rules", "syria-2016-02", "-o", str(tmp_path / "out"))
    assert (
        code == 0
        and (
            f"warning: {folder}: a file of another table format not read (`month=10/late.csv`): a folder's parts are "
            "its .parquet files; run each other file on its own, or write it as Parquet\n"
        )
        in err
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.csv").write_text("id\nx\n")
    code, _, err = cli("run", str(empty), "--rules", "syria-2016-02")  # no --output either: the folder first
    assert (code, err) == (
        2,
        f"error: {empty}: folder holds no .parquet files; expected a folder of Parquet files (or key=value/ folders)\n",
    )


def test_jobs_and_a_scheduler_are_for_folders(cli: Cli, dataset: Path) -> None:
    code, _, err = cli("run", str(dataset / "all.parquet"), "--rules", "syria-2016-02", "-j", "2")
    assert code == 2
    assert err == "error: --jobs: judges a folder of Parquet files part by part; one file is judged in this process\n"
