"""Parse a spreadsheet in a child process, under a memory limit and a time limit.

A spreadsheet library that meets a hostile workbook can allocate without bound or crash the
process. The parse therefore runs in a process of its own — a fresh interpreter started with
``subprocess`` (``python -m analytics.sources.ingest.xlsx_child``): nothing of the server is copied
into it (no threads, no open database, no re-import of the server's main script, as
multiprocessing's spawn and forkserver would do). The child caps its own address space with
``resource.setrlimit(RLIMIT_AS)`` at what it holds after start-up plus the import's memory budget,
then reads. The parent waits at most :data:`TIME_LIMIT` seconds and kills it after that. Running
out of memory, a crash (any signal), or the clock are all one clear :class:`ImportProblem`; the
parent process carries on.

Protocol: the workbook arrives as a path argument or on standard input; the child answers on
standard output with one JSON line (status, sheet names, index read, message) and then the sheet as
Arrow IPC bytes.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl

from analytics.sources.ingest.errors import ImportProblem
from analytics.sources.ingest.result import mb

TIME_LIMIT = float(os.environ.get("TANDEM_XLSX_SECONDS", "120"))
_ROOT = Path(__file__).resolve().parents[3]          # the folder holding the analytics package


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


def _answer(out, status: str, sheets: list[str] | None = None, idx: int | None = None, message: str = "",
            payload: bytes = b"") -> None:
    out.write(json.dumps({"status": status, "sheets": sheets or [], "idx": idx, "message": message}).encode() + b"\n")
    out.write(payload)
    out.flush()


def child_main(argv: list[str]) -> int:
    """In the child: ``LIMIT SHEET_JSON [PATH]`` (no path: the workbook on standard input)."""
    out = sys.stdout.buffer
    limit, sheet = int(argv[0]), json.loads(argv[1])
    source: str | bytes = argv[2] if len(argv) > 2 else sys.stdin.buffer.read()
    try:
        import fastexcel

        pl.select(pl.lit(1).sum()).item()       # start polars' threads before the limit: they need address space
        with contextlib.suppress(OSError, ValueError):
            _limit_memory(limit)
        if os.environ.get("TANDEM_TEST_CRASH_XLSX"):     # the tests' stand-in for a reader that segfaults
            os.kill(os.getpid(), signal.SIGSEGV)
        reader = fastexcel.read_excel(source)
        sheets = list(reader.sheet_names)
        if isinstance(sheet, str):
            idx = sheets.index(sheet) if sheet in sheets else None
        else:
            idx = sheet or 0
            idx = idx if 0 <= idx < len(sheets) else None
        if idx is None:
            _answer(out, "ok", sheets)
            return 0
        frame = reader.load_sheet(idx, header_row=None, dtypes="string", skip_rows=0).to_polars()
        frame = frame.select(pl.all().cast(pl.Utf8))
        buf = io.BytesIO()
        frame.write_ipc(buf)
        _answer(out, "ok", sheets, idx, payload=buf.getvalue())
    except MemoryError:
        _answer(out, "memory")
    except BaseException as exc:  # everything is reported to the parent, as text
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        _answer(out, "error", message=f"{type(exc).__name__}: {first}")
    return 0


def parse_in_child(source: Path | bytes, label: str, sheet: int | str | None,
                   memory_limit: int) -> tuple[list[str], int | None, pl.DataFrame | None]:
    """The sheet names, the index read and the frame (all text) — or :class:`ImportProblem`.

    ``sheet`` is a name or 0-based index (``None``: the first); an unknown one gives ``(names, None, None)``.
    """
    args = [sys.executable, "-m", "analytics.sources.ingest.xlsx_child", str(max(int(memory_limit), 1)),
            json.dumps(sheet)]
    data = None
    if isinstance(source, Path):
        args.append(str(source))
    else:
        data = bytes(source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(_ROOT), os.environ.get("PYTHONPATH")) if p)}
    try:
        proc = subprocess.Popen(args, stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(_ROOT))
    except OSError as exc:
        raise ImportProblem(f"could not be opened: the spreadsheet reader did not start ({exc}). Save the sheet as "
                            "CSV and import that.", file=label, code="unreadable") from None
    try:
        out, _err = proc.communicate(input=data, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise ImportProblem(
            f"took longer than {TIME_LIMIT:.0f} seconds to open and was stopped. Save the sheet as CSV (UTF-8) "
            "and import that.", file=label, code="timeout") from None
    head, _, payload = out.partition(b"\n")
    try:
        answer = json.loads(head)
    except ValueError:
        raise _crashed(label, proc.returncode, memory_limit) from None
    status, message = answer.get("status"), str(answer.get("message", ""))
    if status == "memory" or (status == "error" and any(
            w in message for w in ("memory", "Memory", "spawn threads", "temporarily unavailable"))):
        raise _crashed(label, None, memory_limit, memory=True)
    if status != "ok":
        raise ImportProblem(f"could not be read as a spreadsheet ({message}). Open it in Excel and save it again, or "
                            "save the sheet as CSV.", file=label, code="unreadable")
    frame = pl.read_ipc(io.BytesIO(payload)) if payload else None
    return list(answer.get("sheets") or []), answer.get("idx"), frame


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


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
