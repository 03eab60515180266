"""Parse a spreadsheet in a child process, under a memory limit and a time limit.

A spreadsheet library that meets a hostile workbook can allocate without bound or crash the
process. The parse therefore runs in a process of its own (multiprocessing, the ``forkserver``
context where the platform has it, else ``spawn`` — never ``fork``, which would copy the server's
threads and open database), whose address space is capped with ``resource.setrlimit(RLIMIT_AS)``.
The parent waits at most :data:`TIME_LIMIT` seconds. Running out of memory, a crash, or the clock
are all one clear :class:`ImportProblem`; the parent process carries on.
"""
from __future__ import annotations

import contextlib
import io
import multiprocessing as mp
import os
import signal
import sys
from pathlib import Path

import polars as pl

from analytics.sources.ingest.errors import ImportProblem
from analytics.sources.ingest.result import mb

TIME_LIMIT = float(os.environ.get("TANDEM_XLSX_SECONDS", "120"))


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:           # not on this platform: the time limit and the pre-checks still hold
        return
    with open("/proc/self/statm", encoding="ascii") as fh:
        vm = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = vm + limit
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _child(conn, source: str | bytes, sheet: int | str | None, limit: int) -> None:
    """In the child: read the sheet names and one sheet (every cell as text); send Arrow IPC bytes back."""
    try:
        import fastexcel

        pl.select(pl.lit(1).sum()).item()       # start polars' threads before the limit: they need address space
        with contextlib.suppress(OSError, ValueError):
            _limit_memory(limit)
        if os.environ.get("TANDEM_TEST_CRASH_XLSX"):     # the tests' stand-in for a reader that segfaults
            os.kill(os.getpid(), signal.SIGSEGV)

        reader = fastexcel.read_excel(source)
        sheets = list(reader.sheet_names)
        if not sheets:
            conn.send(("ok", sheets, None, None))
            return
        if isinstance(sheet, str):
            if sheet not in sheets:
                conn.send(("ok", sheets, None, None))
                return
            idx = sheets.index(sheet)
        else:
            idx = sheet or 0
            if not 0 <= idx < len(sheets):
                conn.send(("ok", sheets, None, None))
                return
        frame = reader.load_sheet(idx, header_row=None, dtypes="string", skip_rows=0).to_polars()
        frame = frame.select(pl.all().cast(pl.Utf8))
        buf = io.BytesIO()
        frame.write_ipc(buf)
        conn.send(("ok", sheets, idx, buf.getvalue()))
    except MemoryError:
        conn.send(("memory", "", None, None))
    except BaseException as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        with contextlib.suppress(OSError, ValueError):
            conn.send(("error", f"{type(exc).__name__}: {first}", None, None))
    finally:
        conn.close()


def parse_in_child(source: Path | bytes, label: str, sheet: int | str | None,
                   memory_limit: int) -> tuple[list[str], int | None, pl.DataFrame | None]:
    """The sheet names, the index read and the frame (all text) — or :class:`ImportProblem`.

    ``sheet`` is a name or 0-based index (``None``: the first); an unknown one gives ``(names, None, None)``.
    """
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    arg = str(source) if isinstance(source, Path) else bytes(source)
    proc = ctx.Process(target=_child, args=(child, arg, sheet, memory_limit), daemon=True)
    try:
        proc.start()
    except (OSError, RuntimeError) as exc:
        raise ImportProblem(f"could not be opened: the spreadsheet reader did not start ({exc}). Save the sheet as "
                            "CSV and import that.", file=label, code="unreadable") from None
    child.close()
    try:
        if not parent.poll(TIME_LIMIT):
            raise ImportProblem(
                f"took longer than {TIME_LIMIT:.0f} seconds to open and was stopped. Save the sheet as CSV (UTF-8) "
                "and import that.", file=label, code="timeout")
        try:
            status, sheets, idx, payload = parent.recv()
        except (EOFError, OSError):
            proc.join(5)
            raise _crashed(label, proc.exitcode, memory_limit) from None
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if status == "memory":
        raise _crashed(label, None, memory_limit, memory=True)
    if status == "error" and any(w in sheets for w in ("memory", "Memory", "spawn threads", "temporarily unavailable")):
        raise _crashed(label, None, memory_limit, memory=True)
    if status == "error":
        raise ImportProblem(f"could not be read as a spreadsheet ({sheets}). Open it in Excel and save it again, or "
                            "save the sheet as CSV.", file=label, code="unreadable")
    frame = pl.read_ipc(io.BytesIO(payload)) if payload is not None else None
    return sheets, idx, frame


def _crashed(label: str, code: int | None, limit: int, memory: bool = False) -> ImportProblem:
    if memory or code is None:
        why = f"needed more than the {mb(limit)} of memory an import may use"
    elif code in (-signal.SIGABRT, -signal.SIGKILL):
        why = (f"made the spreadsheet reader stop (exit code {code}), most likely beyond the {mb(limit)} of memory "
               "an import may use")
    else:
        why = f"made the spreadsheet reader stop (exit code {code})"
    return ImportProblem(f"could not be read: opening it {why}. Nothing was imported. Save the sheet as CSV "
                         "(UTF-8) and import that.", file=label, code="xlsx_crash")


if __name__ == "__main__":  # pragma: no cover — a manual check: python -m analytics.sources.ingest.xlsx_child FILE
    names, index, data = parse_in_child(Path(sys.argv[1]), sys.argv[1], None, 1 << 30)
    print(names, index, None if data is None else data.shape)
