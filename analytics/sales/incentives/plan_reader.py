"""Reading plan files with errors that point at the key: :class:`PlanError`, a map from dotted key
paths to TOML line numbers, and typed access to a plan mapping that names the key and the line.

Used by :mod:`analytics.sales.incentives.plans`; nothing here knows the plan's fields.
"""
from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn


class PlanError(ValueError):
    """A plan that cannot be used. The message names the source (file), the key as a dotted path
    (``tiers.levels[1].from_pct``), the line when known, and what was expected."""

    def __init__(self, source: str, key: str | None, problem: str, line: int | None = None) -> None:
        self.source, self.key, self.problem, self.line = source, key, problem, line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: '{key}' {problem}" if key else f"{where}: {problem}")


_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_HEADER_RE = re.compile(rf"\s*(\[\[?)\s*({_KEY})\s*\]")
_KEYVAL_RE = re.compile(rf"\s*({_KEY})\s*=")
_PUNCT = frozenset("[]{},=")
_TOKEN_RE = re.compile(rf"{_QUOTED}|#.*|[\[\]{{}},=]|[^\s\[\]{{}},=#\"']+")


def _key_parts(key: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(rf"{_BARE}|{_QUOTED}", key)]


class _Scanner:
    """Best-effort map from dotted key paths to line numbers in a TOML text (headers, ``key =``
    lines, arrays of tables and inline tables inside arrays), for error messages."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        self.context: list[str] = []  # per line: the key defined on it, or the table it is in
        self._prefix = ""
        self._counters: dict[str, int] = {}
        self._stack: list[list[Any]] = []  # open [kind, path, element index] of a multi-line value
        self._pending = ""
        for no, raw in enumerate(text.splitlines(), 1):
            self.context.append(self._line(no, raw) or (self._stack[-1][1] if self._stack else self._prefix))

    def _record(self, path: str, no: int) -> str:
        self.lines.setdefault(path, no)
        return path

    def _resolve(self, parts: list[str]) -> str:
        path = ""
        for part in parts:
            path = f"{path}.{part}" if path else part
            if path in self._counters:
                path = f"{path}[{self._counters[path]}]"
        return path

    def _line(self, no: int, raw: str) -> str:
        if self._stack:
            return self._tokens(no, raw)
        if m := _HEADER_RE.match(raw):
            parts = _key_parts(m.group(2))
            parent = self._resolve(parts[:-1])
            path = f"{parent}.{parts[-1]}" if parent else parts[-1]
            if m.group(1) == "[[":
                self._counters[path] = self._counters.get(path, -1) + 1
                path = f"{path}[{self._counters[path]}]"
            self._prefix = path
            return self._record(path, no)
        if m := _KEYVAL_RE.match(raw):
            key = ".".join(_key_parts(m.group(1)))
            path = self._pending = self._record(f"{self._prefix}.{key}" if self._prefix else key, no)
            self._tokens(no, raw[m.end():])
            return path
        return ""

    def _tokens(self, no: int, text: str) -> str:
        first = ""
        toks = [t for t in _TOKEN_RE.findall(text) if not t.startswith("#")]
        for i, tok in enumerate(toks):
            top = self._stack[-1] if self._stack else None
            if top and top[0] == "table" and tok not in _PUNCT and i + 1 < len(toks) and toks[i + 1] == "=":
                self._pending = self._record(f"{top[1]}.{'.'.join(_key_parts(tok))}", no)
                first = first or self._pending
            elif tok in ("[", "{"):
                path = self._element(top, no) if top and top[0] == "array" else self._pending
                self._stack.append(["array" if tok == "[" else "table", path, -1])
            elif tok in ("]", "}"):
                if self._stack:
                    self._stack.pop()
            elif tok not in (",", "=") and top and top[0] == "array":
                first = first or self._element(top, no)
        return first

    def _element(self, top: list[Any], no: int) -> str:
        top[2] += 1
        return self._record(f"{top[1]}[{top[2]}]", no)

    def line_of(self, path: str) -> int | None:
        """Line of ``path``, or of its nearest enclosing key or table that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\[\d+\]|\.[^.\[\]]+|^[^.\[\]]+)$", "", path)
        return None


class _Reader:
    """Typed access to a plan mapping; every problem raises PlanError with the key's dotted path."""

    def __init__(self, source: str, text: str | None = None) -> None:
        self.source = source
        self.scanner = _Scanner(text) if text is not None else None

    def fail(self, key: str | None, problem: str) -> NoReturn:
        line = self.scanner.line_of(key) if self.scanner and key else None
        raise PlanError(self.source, key, problem, line)

    def keys(self, table: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(_join(path, key), f"is not a plan key{hint}; expected one of: {', '.join(allowed)}.")

    def table(self, d: Mapping[str, Any], key: str, path: str, required: bool = False) -> dict[str, Any] | None:
        value = d.get(key)
        if value is None:
            if required:
                self.fail(_join(path, key), "is missing; expected a table.")
            return None
        if not isinstance(value, Mapping):
            self.fail(_join(path, key), f"is {_show(value)}; expected a table ([{_join(path, key)}]).")
        return dict(value)

    def tables(self, d: Mapping[str, Any], key: str, path: str, required: bool = False) -> list[dict[str, Any]]:
        value = d.get(key)
        name = _join(path, key)
        if value is None or value == []:
            if required:
                self.fail(name, f"is missing; expected at least one [[{name}]] table.")
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
            self.fail(name, f"is {_show(value)}; expected a list of tables ([[{name}]]).")
        return [dict(v) for v in value]

    def text(self, d: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = d.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.fail(_join(path, key), f"is {_show(value)}; expected a non-empty string.")
        return value

    def choice(self, d: Mapping[str, Any], key: str, path: str, options: tuple[str, ...],
               default: str | None = None) -> str:
        value = d.get(key, default)
        if value not in options:
            self.fail(_join(path, key), f"is {_show(value)}; expected one of: {', '.join(map(repr, options))}.")
        return value

    def number(self, d: Mapping[str, Any], key: str, path: str, *, default: float | None = None,
               low: float | None = None, high: float | None = None, hint: str = "") -> float:
        value = d.get(key, default)
        name = _join(path, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(name, f"is {_show(value)}; expected a number{hint}.")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low:g} to {high:g}" if low is not None and high is not None else (
                f"≥ {low:g}" if low is not None else f"≤ {high:g}")
            self.fail(name, f"is {value:g}; expected a number {bounds}{hint}.")
        return float(value)

    def optional_number(self, d: Mapping[str, Any], key: str, path: str, **kw: Any) -> float | None:
        return None if d.get(key) is None else self.number(d, key, path, **kw)

    def one_of(self, d: Mapping[str, Any], keys: tuple[str, ...], path: str) -> str:
        given = [k for k in keys if d.get(k) is not None]
        if not given:
            self.fail(path or None, f"has none of {', '.join(keys)}; expected exactly one of them.")
        if len(given) > 1:
            self.fail(_join(path, given[-1]), f"is given together with {', '.join(given[:-1])}; "
                      f"expected exactly one of {', '.join(keys)}.")
        return given[0]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    if value is None:
        return "missing"
    return f"{value!r} (a {type(value).__name__})"


def _toml_error(source: str, text: str, err: tomllib.TOMLDecodeError) -> PlanError:
    """A PlanError for a TOML syntax error: line from the error, key from the text of that line."""
    msg = str(err)
    line = getattr(err, "lineno", None)
    col = getattr(err, "colno", None)
    if line is None and (m := re.search(r"\(at line (\d+), column (\d+)\)", msg)):
        line, col = int(m.group(1)), int(m.group(2))
    msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
    key = None
    if line:
        context = _Scanner("\n".join(text.splitlines()[:line])).context
        key = context[line - 1] if len(context) >= line else None
    where = f" (column {col})" if col else ""
    return PlanError(source, key, f"is not valid TOML{where}: {msg}; expected `key = value` lines with a number, "
                     "a quoted string, true/false or a date as value.", line)
