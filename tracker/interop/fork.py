"""An import in two processes: a forked child reads, checks and queues the records while this
process writes the batches it hands over. Linux only (fork); the caller falls back to one
process elsewhere."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import traceback
from collections.abc import Iterable
from multiprocessing.connection import Connection as Pipe
from typing import TYPE_CHECKING

from tracker.interop.held import IMPORTED, Held, load_held
from tracker.interop.records import DatasetIn
from tracker.registry.bulk import Batch, BatchSink
from tracker.values.errors import TrackerError

if TYPE_CHECKING:
    from tracker.interop.apply import Changes, Importer


def apply_forked(work: Importer, records: Iterable[DatasetIn], sink: BatchSink) -> Changes:
    """The child, forked with everything loaded so far, never touches the database (a
    connection must not be used across a fork): it hands each batch, and each request for
    what the registry holds, to this process, which answers in order, so every load sees
    the batches before it, as in one process."""
    first_ids = work.bulk.reserve(IMPORTED)
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    # The child holds copies of this process's descriptors, its database connection's among
    # them: it must not outlive this process, even while waiting for input.
    lifeline, held = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = context.Process(target=_queue, args=(work, records, there, (here, held), lifeline),
                            daemon=True)
    try:
        child.start()
        there.close()
        while True:
            try:
                kind, payload = here.recv()
            except (EOFError, OSError):
                raise _stopped(child) from None
            if kind == "batch":
                sink(payload)
            elif kind == "load":
                try:
                    here.send(load_held(work.session, payload))
                except OSError:
                    raise _stopped(child) from None
            elif kind == "done":
                sink.release_unused(first_ids)
                return payload  # type: ignore[no-any-return]
            elif kind == "error":
                raise TrackerError(payload)
            else:
                summary, details = payload
                raise RuntimeError(f"{summary} (in the process reading the records)\n{details}")
    finally:
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
        for end in (here, there):
            end.close()
        os.close(lifeline)
        os.close(held)


def _stopped(child: multiprocessing.process.BaseProcess) -> TrackerError:
    child.join(timeout=1)
    return TrackerError(f"import: the process reading the records stopped (exit code "
                        f"{child.exitcode})")


def _queue(work: Importer, records: Iterable[DatasetIn], parent: Pipe,
           parents_ends: tuple[Pipe, int], lifeline: int) -> None:
    """In the child: read, check and queue every record, handing batches to the parent."""
    parents_ends[0].close()
    os.close(parents_ends[1])
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True).start()

    def write(batch: Batch) -> None:
        parent.send(("batch", batch))

    def load(ids: list[int]) -> Held:
        parent.send(("load", ids))
        return parent.recv()  # type: ignore[no-any-return]

    work.bulk.write, work.load = write, load
    try:
        work.run(records)
        parent.send(("done", work.changes))
    except TrackerError as exc:
        parent.send(("error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent, which has the terminal
        parent.send(("failed", (traceback.format_exception_only(exc)[-1].strip(),
                                traceback.format_exc())))


def _exit_with_parent(lifeline: int) -> None:
    os.read(lifeline, 1)  # returns when the parent's end closes, however it ends
    os._exit(1)
