"""Running many independent tasks serially or on Dask, and a resumable store of their results.

Orchestration plumbing for sweeps (:mod:`twin.sweep`):

- :func:`runner` gives an object whose ``map(fn, shared, chunks)`` calls ``fn(shared, chunk)``
  for every chunk and yields ``(index, result)`` as chunks finish: in this process
  (serial), on a Dask ``LocalCluster`` of worker processes, or on an existing Dask cluster.
  ``shared`` (e.g. the prepared inputs of a projection) is shipped to the workers once
  (``client.scatter``), never per task. Results do not depend on where a task ran: tasks are
  pure functions of their arguments and name their random streams.
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
import threading
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

    A local cluster starts in a background thread, so that it (and the workers' imports of
    ``warm``) overlaps with what the caller does before the first :meth:`map`, e.g.
    preparing the shared inputs; an existing scheduler is connected to at once, so that a
    wrong address fails before any work.

    Parameters
    ----------
    workers
        Worker processes of a new ``LocalCluster`` (one thread each); ignored with
        ``scheduler``.
    scheduler
        Address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``).
    warm
        Modules every worker imports as soon as it is up (the tasks' own modules).
    """

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        warm: Sequence[str] = (),
    ) -> None:
        self._cluster: Any = None
        self.client: Any = None
        self._error: BaseException | None = None
        self._warm = tuple(warm)
        if scheduler:
            self._connect(scheduler)
            self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
            self._thread = None
        else:
            self.workers = max(1, int(workers or 1))
            self._thread = threading.Thread(target=self._start_local, daemon=True)
            self._thread.start()

    def _connect(self, scheduler: str) -> None:
        from dask.distributed import Client

        try:
            self.client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                None, "--scheduler", f"cannot reach a Dask scheduler at {scheduler} ({exc})"
            ) from None
        self._warm_up()

    def _start_local(self) -> None:
        try:
            from dask.distributed import Client, LocalCluster

            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self._cluster, set_as_default=False)
            self._warm_up()
        except BaseException as exc:  # re-raised in the caller's thread by _ready()
            self._error = exc

    def _warm_up(self) -> None:
        for module in self._warm:
            self.client.run(importlib.import_module, module)

    def _ready(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise RuntimeError(f"the local Dask cluster did not start: {self._error}")

    def map(
        self, fn: Callable[[Any, Any], Any], shared: Any, chunks: Sequence[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, fn(shared, chunks[i]))`` as the chunks finish on the workers.

        ``shared`` is scattered to every worker once; if the caller stops iterating (an
        error, Ctrl-C), the tasks not yet finished are cancelled.
        """
        if not chunks:
            return
        self._ready()
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
        if self._thread is not None:
            self._thread.join()
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


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
