"""Running many independent tasks serially or on Dask, and a resumable store of their results.

Orchestration plumbing for sweeps (:mod:`twin.sweep`):

- :func:`runner` gives an object whose ``map(fn, shared, chunks)`` calls ``fn(shared, chunk)``
  for every chunk and yields ``(index, result)`` as chunks finish: in this process
  (serial), on a Dask ``LocalCluster`` of worker processes, or on an existing Dask cluster.
  ``shared`` (e.g. the prepared inputs of a projection) is shipped to the workers once
  (``client.scatter``), never per task. Results do not depend on where a task ran: tasks are
  pure functions of their arguments and name their random streams. An existing cluster's
  workers must import the same ``twin`` package and library versions as this process.
  Scripts that start a local cluster need the ``if __name__ == "__main__":`` guard where
  workers are spawned (macOS, Windows).
- :class:`TaskStore` keeps one finished task's result per key, written atomically (a crash
  or Ctrl-C never leaves a half-written entry), so an interrupted study resumes where it
  stopped.

Only this module imports dask (lazily: serial runs never load it).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from twin.core.errors import InputError

__all__ = ["DaskRunner", "SerialRunner", "TaskStore", "chunked", "runner"]


def chunked(items: Sequence[Any], size: int) -> list[list[Any]]:
    """Split ``items`` into consecutive lists of at most ``size`` items (order kept).

    Parameters
    ----------
    items
        The items.
    size
        Items per chunk (at least 1).

    Returns
    -------
    list of list
        The chunks; empty when ``items`` is.
    """
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class SerialRunner:
    """Runs every task in this process, in order."""

    workers = 1

    def map(
        self, fn: Callable[[Any, Any], Any], shared: Any, chunks: Sequence[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, fn(shared, chunks[i]))`` for each chunk, in order."""
        for i, chunk in enumerate(chunks):
            yield i, fn(shared, chunk)

    def close(self) -> None:
        """Nothing to release."""


class DaskRunner:
    """Runs tasks on a Dask cluster: a new ``LocalCluster`` or an existing scheduler.

    A local cluster's worker processes are forked from this one where the platform allows
    (Linux): they start in a fraction of a second with every module already imported, where
    spawned workers take seconds to start and import the model again, a fixed cost that
    short projection tasks never earn back. The cluster starts before any other work, so that
    no other thread holds a lock when the process forks. Elsewhere workers are spawned and
    import ``warm`` as soon as they are up.

    Parameters
    ----------
    workers
        Worker processes of a new ``LocalCluster`` (one thread each); ignored with
        ``scheduler``.
    scheduler
        Address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``).
    warm
        Modules every worker imports before the first task (the tasks' own modules).
    """

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        warm: Sequence[str] = (),
    ) -> None:
        from dask.distributed import Client

        self._cluster: Any = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="5s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(
                    None, "--scheduler", f"cannot reach a Dask scheduler at {scheduler} ({exc})"
                ) from None
        else:
            import dask
            from dask.distributed import LocalCluster

            method = "fork" if _can_fork() else "spawn"
            with dask.config.set({"distributed.worker.multiprocessing-method": method}):
                self._cluster = LocalCluster(
                    n_workers=max(1, int(workers or 1)),
                    threads_per_worker=1,
                    processes=True,
                    # Any free port: the scheduler's HTTP server starts even without a
                    # dashboard (None), on 8787 by default, and warns when another cluster
                    # has it.
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
            self.client = Client(self._cluster, set_as_default=False)
        for module in warm:
            self.client.run(importlib.import_module, module)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(
        self, fn: Callable[[Any, Any], Any], shared: Any, chunks: Sequence[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, fn(shared, chunks[i]))`` as the chunks finish on the workers.

        ``shared`` is scattered to every worker once; if the caller stops iterating (an
        error, Ctrl-C), the tasks not yet finished are cancelled.
        """
        if not chunks:
            return
        from dask.distributed import as_completed

        data = self.client.scatter(shared, broadcast=True, hash=False)
        futures = [
            self.client.submit(fn, data, chunk, pure=False, key=f"chunk-{i}-{os.urandom(4).hex()}")
            for i, chunk in enumerate(chunks)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures, loop=self.client.loop):
                yield index[fut.key], fut.result()
        finally:
            self.client.cancel([f for f in futures if not f.done()])
            self.client.cancel(data)

    def close(self) -> None:
        """Close the client and, if this runner started it, the local cluster."""
        with contextlib.suppress(Exception):
            self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


def _can_fork() -> bool:
    """Whether worker processes may be forked (Linux; macOS forks badly, Windows cannot)."""
    import multiprocessing
    import sys

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def runner(
    workers: int | None = None, scheduler: str | None = None, warm: Sequence[str] = ()
) -> Iterator[Any]:
    """A task runner: serial (default), a Dask ``LocalCluster`` of ``workers`` processes
    (``workers`` > 1), or the existing Dask cluster at ``scheduler``.

    Parameters
    ----------
    workers
        Worker processes for a local Dask cluster; ``None`` or 1 runs serially.
    scheduler
        Address of a running Dask scheduler (takes precedence over ``workers``).
    warm
        Modules the Dask workers import as soon as they are up.

    Yields
    ------
    SerialRunner or DaskRunner
        Closed (cluster shut down) when the block exits, also on errors.
    """
    r: SerialRunner | DaskRunner
    if scheduler:
        r = DaskRunner(scheduler=scheduler, warm=warm)
    elif workers and workers > 1:
        r = DaskRunner(workers=workers, warm=warm)
    else:
        r = SerialRunner()
    try:
        yield r
    finally:
        r.close()


class TaskStore:
    """Finished task results on disk, one file per key, each written atomically.

    Parameters
    ----------
    folder
        Where the entries live (created on first write).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pkl"

    def has(self, key: str) -> bool:
        """Whether a result is stored under ``key``."""
        return self._path(key).is_file()

    def get(self, key: str) -> Any | None:
        """The result stored under ``key``, or ``None`` (also for a damaged entry)."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # a damaged entry counts as missing and is recomputed
            return None

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` atomically (write a temporary file, then rename)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
