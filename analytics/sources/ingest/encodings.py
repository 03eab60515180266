"""Which encoding a text file is in: BOMs, UTF-8, UTF-16 without BOM, then the legacy code pages.

Supported: UTF-8 (with or without BOM), UTF-16 (with a BOM, or without one when every other byte is
NUL), and the legacy code pages spreadsheets still write: cp1252 (Western Europe; latin-1 files read
the same), Shift-JIS (cp932), EUC-KR (cp949), Big5 (cp950) and GB18030 (covering GBK and GB2312).

For a file that is not UTF-8, every legacy code page that decodes a sample without error is a
candidate. Each decoding is scored by charset-normalizer's mess measure (:func:`mess_ratio`: odd
symbols, mixed scripts) and by how plausible its characters are for that code page's language: the
frequent block of each double-byte table (GB2312 level 1, Big5 level 1, the 2,350 KS X 1001 Hangul,
JIS level 1 and kana), and for cp1252 accented letters next to plain letters. The best candidate is
taken when it is clearly ahead; when two candidates give different text and are close, the file is
refused as uncertain with both named, and ``encoding=`` (``import --encoding ENC`` on the command line)
reads it as told.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer.md import mess_ratio

from analytics.sources.ingest.errors import ImportProblem

SUPPORTED = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1", "shift_jis", "cp932",
             "euc-kr", "cp949", "big5", "cp950", "gb18030", "gbk", "gb2312")
LEGACY = ("cp1252", "cp932", "cp949", "cp950", "gb18030")          # tried for files that are not UTF-8
LABELS = {"cp1252": "cp1252 (Windows Western, latin-1)", "cp932": "Shift-JIS (Japanese)",
          "cp949": "EUC-KR (Korean)", "cp950": "Big5 (traditional Chinese)", "gb18030": "GB18030/GBK (Chinese)"}
SAMPLE = 256 * 1024
MARGIN = 0.15          # a runner-up this close to the best, with different text, makes the file uncertain
MIN_SCORE = 0.6        # below this the best decoding is not believable
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CJK_PUNCT = set("、。，．：；？！（）【】「」『』《》〈〉·…—～“”‘’〇　％＋－＝＠＃")
_WESTERN_PUNCT = set("–—“”‘’€…•°±²³§£¥«»·×÷¿¡©®™ªº¢µ¶¼½¾ ")


@dataclass(frozen=True)
class Detected:
    """The encoding chosen and the candidates considered (best first, with their scores)."""

    encoding: str
    candidates: tuple[tuple[str, float], ...] = ()


def detect(data: bytes, label: str) -> Detected:
    """The encoding of ``data`` (the whole file); raises :class:`ImportProblem` when it is uncertain."""
    if data.startswith(b"\xef\xbb\xbf"):
        return Detected("utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Detected("utf-16")
    bare16 = _utf16_without_bom(data)
    if bare16:
        return Detected(bare16)
    sample = data[:SAMPLE]
    if _decodes(sample, "utf-8", cut=len(sample) < len(data)):
        return Detected("utf-8")
    scored: list[tuple[str, float, str]] = []
    for enc in LEGACY:
        text = _decodes(sample, enc, cut=len(sample) < len(data))
        if text is not None:
            exact = sample.startswith(text.encode(enc, errors="replace"))   # no duplicate or compatibility mappings
            scored.append((enc, _score(text, enc) - (0 if exact else 0.5), text))
    scored = _korean_rule(scored)
    scored.sort(key=lambda s: -s[1])
    if not scored:
        at = _first_bad(sample)
        line = sample.count(b"\n", 0, at) + 1
        raise ImportProblem(
            f"is in none of the encodings Tandem reads (UTF-8, UTF-16, cp1252, Shift-JIS, EUC-KR, Big5, GB18030): "
            f"the bytes at byte offset {at} (line {line}), {sample[at:at + 4].hex(' ')}, fit none of them. "
            "Save the file as UTF-8 (Excel: 'CSV UTF-8') and import again, "
            "or choose its encoding explicitly.", file=label, code="encoding",
            expected="UTF-8 text")
    best = scored[0]
    close = [s for s in scored[1:] if s[1] >= best[1] - MARGIN and s[2] != best[2]]
    if best[1] < MIN_SCORE or close:
        names = [LABELS[s[0]] for s in [best, *close]] if close else [LABELS[s[0]] for s in scored[:3]]
        raise ImportProblem(
            f"its encoding is uncertain: it could be {' or '.join(names)} (scores "
            f"{', '.join(f'{s[0]} {s[1]:.2f}' for s in scored[:4])}), and they give different text. Give the "
            f"encoding explicitly (e.g. {best[0]}), or save the file as UTF-8 "
            "(Excel: 'CSV UTF-8') and import again.", file=label, code="encoding_uncertain",
            expected="one clearly detectable encoding, or an explicit one")
    return Detected(best[0], tuple((s[0], round(s[1], 3)) for s in scored))


def _first_bad(sample: bytes) -> int:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _korean_rule(scored: list[tuple[str, float, str]]) -> list[tuple[str, float, str]]:
    """EUC-KR bytes decode as frequent hanzi in GB2312 and Big5 too (their tables overlap). Chinese text read
    as Korean, though, is seldom all Hangul (its characters spread over rows Hangul does not use): when the
    Korean reading is all Hangul over at least four characters, the Chinese readings lose :data:`MARGIN` × 2."""
    korean = next((s for s in scored if s[0] == "cp949"), None)
    if korean is None:
        return scored
    chars = _NON_ASCII.findall(korean[2])
    hangul = sum("\uac00" <= ch <= "\ud7a3" for ch in chars)
    if len(chars) < 4 or hangul < 0.98 * len(chars):
        return scored
    return [(e, v - 2 * MARGIN if e in ("gb18030", "cp950") else v, t) for e, v, t in scored]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without BOM: text whose every other byte is NUL (ASCII-heavy files, as most exports are)."""
    head = data[:4096]
    if len(head) < 8 or len(head) % 2:
        head = head[:len(head) - len(head) % 2]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.4 and zeros_even < 0.05:
        enc = "utf-16-le"
    elif zeros_even > 0.4 and zeros_odd < 0.05:
        enc = "utf-16-be"
    else:
        return None
    return enc if _decodes(data[:SAMPLE - SAMPLE % 2], enc, cut=True) is not None else None


def _decodes(sample: bytes, enc: str, cut: bool) -> str | None:
    """The sample decoded, or None; when the sample was cut from a longer file, a character split at
    its end is dropped (up to three bytes)."""
    for drop in range(4 if cut else 1):
        try:
            return sample[:len(sample) - drop].decode(enc)
        except UnicodeDecodeError as exc:
            if not cut or exc.start < len(sample) - 4:
                return None
    return None


def _score(text: str, enc: str) -> float:
    """Plausibility (0–1) of the non-ASCII characters for ``enc``'s language, less charset-normalizer's mess."""
    chars = _NON_ASCII.findall(text)
    if not chars:
        return 1.0
    good = _western(text) if enc == "cp1252" else _eastern(text, enc)
    try:
        mess = mess_ratio(text[:20000], maximum_threshold=1.0)
    except Exception:
        mess = 0.0
    return good - mess


def _western(text: str) -> float:
    """Share of non-ASCII characters that look like Western text: a letter beside an ASCII letter, or
    a common punctuation mark; runs of three or more non-ASCII characters are CJK bytes misread."""
    good = total = 0
    for m in re.finditer(r"[^\x00-\x7f]+", text):
        run = m.group()
        total += len(run)
        if len(run) > 2:
            continue
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        beside_letter = (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())
        good += sum(ch in _WESTERN_PUNCT or (ch.isalpha() and beside_letter) for ch in run)
    return good / total if total else 1.0


def _eastern(text: str, enc: str) -> float:
    """Share of non-ASCII characters plausible for a CJK code page: frequent characters of its table, and Latin
    letters with accents inside Latin words (GB2312 has pinyin ü); a CJK character wedged inside a Latin word
    (``M邦ller``) is a misreading."""
    good = total = 0
    for m in re.finditer(r"[^\x00-\x7f]+", text):
        run = m.group()
        total += len(run)
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        inside_word = before.isascii() and before.isalpha() and after.isascii() and after.isalpha()
        for ch in run:
            if "\u00c0" <= ch <= "\u024f":
                good += (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())
            elif not (inside_word and len(run) <= 2):
                good += _common(ch, enc)
    return good / total if total else 1.0


def _common(ch: str, enc: str) -> bool:
    """A character of the frequent block of ``enc``'s table (or common CJK punctuation)."""
    if ch in _CJK_PUNCT or unicodedata.category(ch).startswith("Z"):
        return True
    try:
        if enc == "gb18030":
            b = ch.encode("gb2312")
            return len(b) == 2 and 0xB0 <= b[0] <= 0xD7
        if enc == "cp950":
            b = ch.encode("big5")
            return len(b) == 2 and 0xA4 <= b[0] <= 0xC6
        if enc == "cp949":
            return "\uac00" <= ch <= "\ud7a3" and len(ch.encode("euc_kr")) == 2
        if enc == "cp932":
            if "\u3041" <= ch <= "\u30ff":
                return True
            b = ch.encode("shift_jis")
            return len(b) == 2 and 0x88 <= b[0] <= 0x98
    except UnicodeEncodeError:
        return False
    return False


def canonical(encoding: str, label: str) -> str:
    """An encoding name given by the user, checked: Python's codec name, or :class:`ImportProblem`."""
    import codecs

    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        raise ImportProblem(f"encoding {encoding!r} is unknown.", file=label, code="encoding",
                            expected="utf-8, utf-16, cp1252, shift_jis, euc-kr, big5 or gb18030") from None
