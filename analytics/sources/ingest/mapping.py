"""Match a file's headers to a table's columns, and keep the result as an editable, reusable profile.

Matching (:func:`match_columns`) normalises headers — Unicode NFKC, camelCase split, case, spaces,
underscores, punctuation and hints in brackets — so ``DateofHire``, ``Hire Date``, ``hire_date`` and
``入职日期`` all meet ``hire_date``; then scores every (header, column) pair:

========  ==============================================================
1.00      the header is the column's name
0.95      the header is a synonym (:mod:`analytics.sources.ingest.synonyms`)
0.90      same words in another order or plural (``Dates / Hire``)
0.85      the lower part of a two-row header is a synonym
0.75      a weak synonym (``DateofHire`` as the start of an assignment)
0.70      the header contains a synonym of six letters or three CJK characters
0.60–0.75 spelled almost alike (difflib ratio ≥ 0.85)
========  ==============================================================

When the file's values are available the score is multiplied by how well a sample of the values
fits the column's type (``0.5 + 0.5 × share that parses``), which keeps ``GenderID`` (0/1) off
``gender``. A header equal to a surrogate id (``opportunity_id``) whose values are not whole
numbers is moved to the table's natural key (``external_key``). Pairs are then taken greedily,
best first; pairs under :data:`AUTO_THRESHOLD` are left unmapped, pairs under :data:`CHECK_BELOW`
should be shown as "please check".

A :class:`ColumnMapping` is a plain, editable object: header → column, the user's value-map entries
per column, the day/month order per date column. It saves to and loads from
``data/mappings/<name>.json`` so the next file from the same system maps itself.
"""
from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from analytics.sources.ingest.errors import ROW, ImportProblem
from analytics.sources.ingest.readers import ReadResult
from analytics.sources.ingest.synonyms import aliases
from analytics.sources.ingest.tables import TableSpec, table_spec
from analytics.sources.ingest.values import effective_value_map, value_key

MAPPINGS_DIR = Path(__file__).resolve().parents[3] / "data" / "mappings"
AUTO_THRESHOLD = 0.6
CHECK_BELOW = 0.8
PROFILE_FORMAT = "tandem-mapping"
PROFILE_VERSION = 1
_SAMPLE = 200
_STOP = {"of", "the", "a", "an", "in", "on", "at", "for", "to", "date"}
_NAME = re.compile(r"^[\w\- .]{1,80}$")


def normalise(header: str) -> str:
    """A header in snake form: ``DateofHire`` → ``dateof_hire``, ``Hire Date (YYYY-MM-DD)`` → ``hire_date``.

    Hints in brackets and asterisks go (``入职日期（必填）*`` → ``入职日期``); CJK characters stay.
    """
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "")
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]|\*", " ", text)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    text = re.sub(r"[^\w]+|_", " ", text).strip().lower()
    return "_".join(text.split())


def compact(text: str) -> str:
    return normalise(text).replace("_", "")


def _words(text: str) -> frozenset[str]:
    words = set()
    for w in normalise(text).split("_"):
        w = w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        if w and w not in _STOP:
            words.add(w)
    return frozenset(words)


def _long_enough(alias_compact: str) -> bool:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", alias_compact))
    return cjk >= 3 or (cjk == 0 and len(alias_compact) >= 6)


@dataclass(frozen=True)
class Candidate:
    """A possible target for one header, with its score and why."""

    target: str
    confidence: float
    reason: str


def candidates(header: str, table: str | TableSpec) -> list[Candidate]:
    """Every column of ``table`` the header could mean, best first (name-based, before value fit)."""
    spec = table_spec(table)
    h = compact(header)
    h_words = _words(header)
    parts = [p for p in re.split(r"\s+/\s+", str(header)) if p.strip()]
    last = compact(parts[-1]) if len(parts) > 1 else None
    out: list[Candidate] = []
    if not h:
        return out
    surrogate_pk = spec.primary_key[0] if spec.surrogate and len(spec.primary_key) == 1 else None
    for col in spec.columns:
        if col.name == surrogate_pk and str(header).strip() != col.name:
            continue        # a source's own id is its natural key, never Tandem's surrogate id
        extra = (surrogate_pk,) if surrogate_pk and len(spec.natural_key) == 1 and col.name == spec.natural_key[0] \
            else ()
        best: Candidate | None = None

        def offer(score: float, reason: str, _col: str = col.name) -> None:
            nonlocal best
            if best is None or score > best.confidence:
                best = Candidate(_col, score, reason)

        if h == compact(col.name):
            offer(1.0, "same name")
        for alias in (col.name, *extra, *aliases(spec.name, col.name)):
            weak = alias.startswith("~")
            a = compact(alias.lstrip("~"))
            if not a:
                continue
            if h == a:
                offer(0.75 if weak else 0.95, f"synonym {alias.lstrip('~')!r}")
            elif last is not None and last == a:
                offer(0.7 if weak else 0.85, f"lower header {parts[-1].strip()!r} is a synonym")
            elif not weak and h_words and h_words == _words(alias.lstrip("~")):
                offer(0.9, f"same words as {alias!r}")
            elif not weak and _long_enough(a) and a in h:
                offer(0.7, f"contains {alias!r}")
            else:
                ratio = difflib.SequenceMatcher(None, h, a).ratio()
                if ratio >= 0.85:
                    offer(0.6 + (ratio - 0.85) if not weak else 0.5, f"spelled like {alias!r}")
        if best is not None:
            out.append(best)
    return sorted(out, key=lambda c: -c.confidence)


def type_fit(values: pl.Series, spec: TableSpec, column: str) -> float:
    """Share of a sample of values that parse as the column's type (1.0 for text columns)."""
    from analytics.sources.ingest.coerce import coerce_column

    col = spec.column(column)
    sample = values.drop_nulls().head(_SAMPLE * 10).cast(pl.Utf8, strict=False).str.strip_chars()
    sample = sample.filter(sample != "").head(_SAMPLE)
    if sample.len() == 0:
        return 1.0
    if col.coerce_type == "str":
        return 1.0
    if col.coerce_type == "enum":
        if col.open_enum:
            return 1.0
        vmap = effective_value_map(spec, col)
        known = set(col.values)
        hits = sum(1 for v in sample.to_list() if v in known or vmap.get(value_key(v), "\x00") != "\x00")
        return hits / sample.len()
    result = coerce_column(sample, spec, col)
    present = int(result.text.is_not_null().sum())
    bad = int((result.text.is_not_null() & result.typed.is_null()).sum())
    return 1.0 if present == 0 else 1.0 - bad / present


@dataclass
class ColumnMapping:
    """Which file column feeds which table column, plus value maps and date orders; editable and savable."""

    table: str
    sources: list[str]                                     # the file's headers, in order
    columns: dict[str, str] = field(default_factory=dict)  # source header → target column
    confidence: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)  # target → {raw: code or None}
    date_order: dict[str, str] = field(default_factory=dict)               # target → 'DMY' | 'MDY'
    notes: list[str] = field(default_factory=list)
    name: str | None = None

    # ── reading ────────────────────────────────────────────────────────────────────────────────
    @property
    def spec(self) -> TableSpec:
        return table_spec(self.table)

    @property
    def targets(self) -> dict[str, str]:
        """Target column → source header."""
        return {t: s for s, t in self.columns.items()}

    @property
    def unmapped(self) -> list[str]:
        """Source headers not used (they are ignored on import)."""
        return [s for s in self.sources if s not in self.columns]

    @property
    def missing_required(self) -> list[str]:
        """Required target columns no source feeds (for a surrogate table: its id or natural key)."""
        spec = self.spec
        mapped = set(self.columns.values())
        missing = [c for c in spec.required if c not in mapped]
        missing += [c for c in spec.upsert_key(mapped) if c not in mapped and c not in missing]
        return missing

    @property
    def to_check(self) -> list[str]:
        """Source headers matched automatically with a confidence under :data:`CHECK_BELOW`."""
        return [s for s in self.columns if self.confidence.get(s, 1.0) < CHECK_BELOW]

    def value_map(self, target: str) -> dict[str, str | None]:
        """The full value map used for ``target``: built-ins overlaid with this profile's entries."""
        spec = self.spec
        return effective_value_map(spec, spec.column(target), self.values.get(target))

    # ── editing ────────────────────────────────────────────────────────────────────────────────
    def set(self, source: str, target: str | None) -> None:
        """Map ``source`` to ``target`` (taking it from any other source), or unmap it with ``None``."""
        if source not in self.sources:
            raise ImportProblem(f"the file has no column {source!r}; it has {', '.join(self.sources)}.",
                                column=source, code="mapping")
        self.columns.pop(source, None)
        if target is None:
            return
        self.spec.column(target)
        for other, t in list(self.columns.items()):
            if t == target:
                del self.columns[other]
        self.columns[source] = target
        self.confidence[source] = 1.0
        self.reasons[source] = "set by hand"

    def set_value(self, target: str, raw: str, code: str | None) -> None:
        """Map the source value ``raw`` of column ``target`` to ``code`` (``None`` = empty)."""
        self.spec.column(target)
        self.values.setdefault(target, {})[raw] = code

    def set_date_order(self, target: str, order: str | None) -> None:
        """Fix the day/month order of a date column: ``"DMY"``, ``"MDY"``, or ``None`` to decide from data."""
        if order is None:
            self.date_order.pop(target, None)
            return
        if order not in ("DMY", "MDY"):
            raise ImportProblem(f"date order {order!r} is not known.", column=target, expected="DMY or MDY",
                                code="mapping")
        self.date_order[target] = order

    # ── using ──────────────────────────────────────────────────────────────────────────────────
    def apply(self, frame: pl.DataFrame | ReadResult, file: str | None = None) -> pl.DataFrame:
        """The file's frame with mapped columns renamed to their targets (others dropped), plus :data:`ROW`."""
        if isinstance(frame, ReadResult):
            file = file or frame.info.name
            frame = frame.frame
        absent = [s for s in self.columns if s not in frame.columns]
        if absent:
            raise ImportProblem(f"the mapping uses column(s) {', '.join(map(repr, absent))}, which the file does not "
                                "have.", file=file, column=absent[0], code="mapping",
                                expected="a mapping made for this file's headers")
        rows = [pl.col(ROW)] if ROW in frame.columns else [pl.int_range(pl.len(), dtype=pl.Int64).add(2).alias(ROW)]
        return frame.select(*rows, *[pl.col(s).cast(pl.Utf8).alias(t) for s, t in self.columns.items()])

    # ── profiles ───────────────────────────────────────────────────────────────────────────────
    def to_dict(self) -> dict[str, object]:
        return {"format": PROFILE_FORMAT, "version": PROFILE_VERSION, "name": self.name, "table": self.table,
                "columns": dict(self.columns), "values": {k: dict(v) for k, v in self.values.items() if v},
                "date_order": dict(self.date_order)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object], sources: Sequence[str] | None = None) -> ColumnMapping:
        """A mapping from a saved profile; with ``sources``, fitted to a new file's headers."""
        if not isinstance(data, Mapping) or data.get("format") != PROFILE_FORMAT:
            raise ImportProblem("is not a Tandem mapping profile.", code="profile",
                                expected=f'a JSON object with "format": "{PROFILE_FORMAT}"')
        table = str(data.get("table"))
        spec = table_spec(table)
        raw_columns = data.get("columns") or {}
        columns = {str(s): str(t) for s, t in dict(raw_columns).items() if str(t) in spec}  # type: ignore[arg-type]
        values = {str(t): {str(k): (None if v is None else str(v)) for k, v in dict(m).items()}  # type: ignore[arg-type]
                  for t, m in dict(data.get("values") or {}).items() if str(t) in spec}  # type: ignore[arg-type]
        orders = {str(t): str(o) for t, o in dict(data.get("date_order") or {}).items()  # type: ignore[arg-type]
                  if str(t) in spec and o in ("DMY", "MDY")}
        notes = []
        if sources is not None:
            gone = [s for s in columns if s not in sources]
            if gone:
                notes.append(f"The profile maps {', '.join(map(repr, gone))}, which this file does not have.")
            columns = {s: t for s, t in columns.items() if s in sources}
        name = data.get("name")
        return cls(table, list(sources) if sources is not None else list(columns), columns,
                   dict.fromkeys(columns, 1.0), dict.fromkeys(columns, "profile"), values, orders, notes,
                   str(name) if name else None)

    def save(self, name: str, folder: str | Path | None = None) -> Path:
        """Write the profile to ``<folder>/<name>.json`` (default ``data/mappings/``); return the path."""
        path = profile_path(name, folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.name = name
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, name: str, folder: str | Path | None = None, sources: Sequence[str] | None = None) -> ColumnMapping:
        """Read a saved profile (fitted to ``sources`` when given)."""
        path = profile_path(name, folder)
        if not path.exists():
            raise ImportProblem(f"there is no mapping profile {name!r} (looked for {path}).", code="profile")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImportProblem(f"the mapping profile {name!r} is not valid JSON ({exc}).", file=str(path),
                                code="profile") from None
        mapping = cls.from_dict(data, sources)
        mapping.name = name
        return mapping


def profile_path(name: str, folder: str | Path | None = None) -> Path:
    """``<folder>/<name>.json``; names are letters, digits, ``-``, ``_``, ``.`` and spaces (no paths)."""
    if not _NAME.match(name) or name.startswith("."):
        raise ImportProblem(f"{name!r} is not a valid profile name.", code="profile",
                            expected="letters, digits, '-', '_', '.' or spaces (up to 80), not starting with '.'")
    return Path(folder or MAPPINGS_DIR) / f"{name}.json"


def list_profiles(folder: str | Path | None = None, table: str | None = None) -> list[str]:
    """Names of the saved profiles (optionally only those for ``table``)."""
    root = Path(folder or MAPPINGS_DIR)
    out = []
    for path in sorted(root.glob("*.json")):
        if table is not None:
            try:
                if json.loads(path.read_text(encoding="utf-8")).get("table") != table:
                    continue
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                continue
        out.append(path.stem)
    return out


def match_columns(source: ReadResult | pl.DataFrame | Sequence[str], table: str | TableSpec, *,
                  profile: ColumnMapping | str | None = None, folder: str | Path | None = None,
                  threshold: float = AUTO_THRESHOLD) -> ColumnMapping:
    """Map a file's headers to ``table``'s columns automatically (a saved ``profile`` goes first).

    ``source`` is what :func:`read_file` returned (values are then used to check types), a frame,
    or just the headers.
    """
    spec = table_spec(table)
    frame: pl.DataFrame | None
    if isinstance(source, ReadResult):
        frame = source.frame
        headers = source.headers
    elif isinstance(source, pl.DataFrame):
        frame = source
        headers = [c for c in source.columns if c != ROW]
    else:
        frame, headers = None, [str(h) for h in source]
    if isinstance(profile, str):
        mapping = ColumnMapping.load(profile, folder, sources=headers)
    elif isinstance(profile, ColumnMapping):
        mapping = ColumnMapping.from_dict(profile.to_dict(), sources=headers)
        mapping.name = profile.name
    else:
        mapping = ColumnMapping(spec.name, list(headers))
    if mapping.table != spec.name:
        raise ImportProblem(f"the profile is for table {mapping.table!r}, not {spec.name!r}.", code="profile")
    pairs: list[tuple[float, int, str, Candidate]] = []
    for order, header in enumerate(headers):
        if header in mapping.columns:
            continue
        for cand in candidates(header, spec):
            score, reason, target = cand.confidence, cand.reason, cand.target
            if frame is not None and header in frame.columns:
                fit = type_fit(frame[header], spec, target)
                if target in spec.primary_key and spec.natural_key and len(spec.natural_key) == 1 and fit < 0.9:
                    target, reason = spec.natural_key[0], f"{reason}; values are not whole numbers, so the natural key"
                    fit = 1.0
                if fit < 1.0:
                    reason += f"; {fit:.0%} of sampled values fit"
                score *= 0.5 + 0.5 * fit
            if score >= threshold:
                pairs.append((score, order, header, Candidate(target, round(score, 3), reason)))
    taken = set(mapping.columns.values())
    for _score, _order, header, cand in sorted(pairs, key=lambda p: (-p[0], p[1])):
        if header in mapping.columns or cand.target in taken:
            continue
        mapping.columns[header] = cand.target
        mapping.confidence[header] = cand.confidence
        mapping.reasons[header] = cand.reason
        taken.add(cand.target)
    mapping.columns = {h: mapping.columns[h] for h in headers if h in mapping.columns}
    return mapping
