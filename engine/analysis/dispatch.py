"""Where a command's work runs: local processes (`--jobs`), a Dask cluster (`--scheduler`), or any Executor.

Every way runs the same function on the same items and gives the results in the items' order, so a result
never depends on where it was computed. What all items share (a sweep's incidents and ruleset) reaches each
worker once, not once a task:

- local processes (`executor=None`): the shared value, pickled once, is each process's start-up argument;
- a Dask client's executor (`Client.get_executor()`): scattered to every worker (`broadcast=True`), and
  each task given its future; a task whose worker dies is given to another by the scheduler, and one that
  raised is run again (`RETRIES`);
- any other `concurrent.futures.Executor`: each worker process keeps the shared value by the SHA-256 of its
  pickle; a task sent without it to a worker that does not have it yet answers `_Missing`, and is sent
  again with it. A worker keeps the last `KEPT` shared values.

This module imports neither polars nor Dask at the top: a local worker's start-up runs it first, to pin
polars to one thread before polars is imported there.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine.errors import InputError

S = TypeVar("S")  # what every task shares
T = TypeVar("T")  # one task's item
R = TypeVar("R")  # one task's result

SCHEDULER = "--scheduler"
RETRIES = 3  # times a Dask task that raised is run again (a lost worker's tasks the scheduler moves itself)
CONNECT_TIMEOUT = 10  # seconds to reach a Dask scheduler before saying it cannot be reached
KEPT = 2  # shared values a worker process of a generic executor keeps (a whatif, then a sweep, say)
THREADS = "POLARS_MAX_THREADS"


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Executor:
    """An executor on the Dask cluster whose scheduler is at `address`: `tcp://HOST:PORT` (any address Dask
    takes), or the path of a scheduler file (`dask scheduler --scheduler-file FILE`).

    Its client is closed by `close`. Raises `InputError` (one line, at `--scheduler`) when Dask is not
    installed, or no scheduler answers within `timeout` seconds.
    """
    try:
        import distributed
    except ImportError:
        raise _refused(
            f"`{address}`: running on a Dask cluster needs Dask; install it with pip install 'ceasefire-sim[dask]'"
        ) from None
    target = _scheduler_address(address) if Path(address).is_file() else address
    _probe(target, address, timeout)
    dask: Any = distributed  # its calls are untyped
    client = _started(dask.Client, target, timeout)
    if client is None:
        where = "" if target == address else f" at `{target}`"
        raise _refused(
            f"`{address}`: no Dask scheduler answered{where} within {timeout:g} s; "
            "expected a running scheduler's address, tcp://HOST:PORT, or its scheduler file"
        )
    executor: Executor = client.get_executor()
    return executor


def _started(make: Any, target: str, timeout: float) -> Any:
    """A client of the scheduler at `target`, or None when none could be started within about `timeout` seconds.

    Started on a thread of its own, given up on past the deadline: Dask's own timeout covers reaching the
    address, not a server there that never says it is a scheduler. A client that failed is closed here,
    quickly, and marked so that it is not closed again, slowly and noisily, on exit.
    """
    import threading

    client = make.__new__(make)
    failed: list[BaseException] = []

    def start() -> None:
        try:
            client.__init__(target, timeout=timeout, set_as_default=False)
        except Exception as exc:
            failed.append(exc)
            with suppress(Exception):
                client.close(timeout=1)
            client.status = "closed"

    thread = threading.Thread(target=start, name="dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 2)
    if thread.is_alive():
        client.status = "closed"
        return None
    return None if failed else client


def _scheduler_address(path: str) -> str:
    """The address a scheduler file (the JSON `dask scheduler --scheduler-file` writes) gives."""
    import json

    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not JSON"
        raise _refused(f"`{path}`: cannot read the scheduler file: {(reason or str(exc)).lower()}") from None
    address = data.get("address") if isinstance(data, dict) else None
    if not isinstance(address, str):
        raise _refused(f"`{path}`: a scheduler file names its scheduler's `address`; this one does not")
    return address


def _probe(target: str, given: str, timeout: float) -> None:
    """Refuse an address that is not one, or a TCP one where nothing answers within `timeout` seconds:
    before a client is made, since a client that fails to start is slow to give up and noisy on exit."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    shown = f"`{given}`" if target == given else f"`{given}`: `{target}`"
    try:
        scheme, where = parse_address(target, strict=False)
        host, port = parse_host_port(where) if scheme in ("tcp", "tls") else ("", 0)
    except ValueError as exc:
        raise _refused(
            f"{shown} is not a Dask scheduler's address ({str(exc).lower()}); "
            "expected tcp://HOST:PORT or a scheduler file"
        ) from None
    if scheme not in ("tcp", "tls"):
        return  # inproc, ucx and the like: the client says
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc)).lower()
        raise _refused(
            f"{shown}: no Dask scheduler answers there ({reason}); "
            "expected a running scheduler's address, tcp://HOST:PORT, or its scheduler file"
        ) from None


def close(executor: Executor | None) -> None:
    """Close what `connect` opened (the client; the cluster goes on); any other executor is left as it is."""
    client = _client(executor)
    if client is not None:
        client.close()


@contextmanager
def executor_for(scheduler: str | None) -> Iterator[Executor | None]:
    """The executor the CLI's `--scheduler` names, for the block (None: local processes, per `--jobs`)."""
    executor = connect(scheduler) if scheduler is not None else None
    try:
        yield executor
    finally:
        close(executor)


def workers(executor: Executor | None, jobs: int) -> int:
    """How many tasks run at once: `jobs` locally, the threads of every worker of a Dask cluster, or an
    executor's `max_workers` (the machine's cores when it does not say)."""
    if executor is None:
        return max(1, jobs)
    client = _client(executor)
    if client is not None:
        threads: dict[str, int] = client.nthreads()
        return max(1, sum(threads.values()))
    return max(1, int(getattr(executor, "_max_workers", 0) or os.cpu_count() or 1))


def chunks(items: Sequence[T], workers: int, per_worker: int) -> list[tuple[int, Sequence[T]]]:
    """`items` in runs of neighbours, about `per_worker` runs for each worker: each run with its start.

    Few enough to spare each task's cost (a round trip, a row of results), enough that a slow or lost
    worker leaves little for the others to wait on.
    """
    size = max(1, -(-len(items) // (workers * per_worker)))
    return [(i, items[i : i + size]) for i in range(0, len(items), size)]


def run_all(
    fn: Callable[[S, T], R],
    shared: S,
    items: Sequence[T],
    executor: Executor | None = None,
    jobs: int = 1,
    each: Callable[[int, R], None] | None = None,
) -> list[R]:
    """`fn(shared, item)` for every item, where the executor says; the results in the items' order.

    `fn` must be a module-level function (it is sent by name), `shared` and the items picklable. `each` hears
    every result as it arrives (progress), and may raise to stop: the tasks not yet done are cancelled, and
    so they are on Ctrl-C. With no executor and one job (or one item), everything runs in this process.
    """
    tell: Callable[[int, R], None] = each or (lambda _i, _r: None)
    results: list[Any] = [None] * len(items)

    def got(i: int, result: R) -> None:
        results[i] = result
        tell(i, result)

    if executor is None and (jobs <= 1 or len(items) <= 1):
        for i, item in enumerate(items):
            got(i, fn(shared, item))
    elif executor is None:
        _local(fn, shared, items, min(jobs, len(items)), got)
    elif (client := _client(executor)) is not None:
        _dask(client, fn, shared, items, got)
    else:
        _generic(executor, fn, shared, items, got)
    return results


def _local(fn: Callable[[S, T], R], shared: S, items: Sequence[T], jobs: int, got: Callable[[int, R], None]) -> None:
    key, blob = _packed(shared)
    # spawn, not fork: a forked child inherits polars' thread pool in whatever state it was, and can hang
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=(key, blob, True)) as pool:
        futures = {pool.submit(_cached, fn, key, None, item): i for i, item in enumerate(items)}
        _gather(futures, got, lambda: [f.cancel() for f in futures])


def _generic(
    executor: Executor, fn: Callable[[S, T], R], shared: S, items: Sequence[T], got: Callable[[int, R], None]
) -> None:
    key, blob = _packed(shared)
    futures = {executor.submit(_cached, fn, key, None, item): i for i, item in enumerate(items)}
    try:
        while futures:
            done = next(as_completed(futures))
            i = futures.pop(done)
            result = done.result()
            if isinstance(result, _Missing):  # that worker has not seen the shared value yet
                futures[executor.submit(_cached, fn, key, blob, items[i])] = i
                continue
            got(i, result)
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def _dask(client: Any, fn: Callable[[S, T], R], shared: S, items: Sequence[T], got: Callable[[int, R], None]) -> None:
    import distributed

    dask: Any = distributed  # its calls are untyped

    # in a list, so that a shared tuple is sent as one value, not one per element; not hashed: a table
    # need not be tokenised to be sent once
    [handle] = client.scatter([shared], broadcast=True, hash=False)
    futures = {client.submit(fn, handle, item, retries=RETRIES, pure=False): i for i, item in enumerate(items)}
    try:
        for future in dask.as_completed(futures, loop=client.loop):
            got(futures[future], future.result())
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        client.cancel([handle])


def _gather(futures: dict[Future[Any], int], got: Callable[[int, Any], None], cancel: Callable[[], object]) -> None:
    try:
        for future in as_completed(futures):
            got(futures[future], future.result())
    except BaseException:
        cancel()
        raise


def _client(executor: Executor | None) -> Any:
    """The Dask client behind a `Client.get_executor()`, or None (checked without importing Dask)."""
    if executor is None or not type(executor).__module__.startswith("distributed."):
        return None
    return getattr(executor, "_client", None)


def _refused(message: str) -> InputError:
    from engine.errors import InputError

    return InputError.at(SCHEDULER, message)


# --- in each worker process ---------------------------------------------------------------------------------


class _Missing:
    """A generic executor's worker's answer to a task that came without the shared value it has not seen."""


_kept: OrderedDict[str, Any] = OrderedDict()  # a worker process's shared values, by the SHA-256 of their pickle


def _packed(shared: object) -> tuple[str, bytes]:
    blob = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(blob).hexdigest(), blob


def _start(key: str, blob: bytes, pin: bool) -> None:
    """A local worker's start: polars pinned to one thread (before it is imported here), the shared value kept."""
    if pin:
        os.environ.setdefault(THREADS, "1")  # one thread a process: the processes share the cores
    _keep(key, pickle.loads(blob))


def _keep(key: str, value: object) -> None:
    _kept[key] = value
    _kept.move_to_end(key)
    while len(_kept) > KEPT:
        _kept.popitem(last=False)


def _cached(fn: Callable[[S, T], R], key: str, blob: bytes | None, item: T) -> R | _Missing:
    if key not in _kept:
        if blob is None:
            return _Missing()
        _keep(key, pickle.loads(blob))
    return fn(_kept[key], item)
