"""Both catalogues complete; every key the app uses exists; no visible string outside t()."""
import re
from pathlib import Path

from analytics.core.i18n import CATALOGUE, fmt_number, t

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py")),
           *sorted(p for p in (ROOT / "analytics").rglob("*.py") if p.name != "i18n.py")]
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


def test_catalogues_have_the_same_keys_and_no_empty_strings():
    assert set(CATALOGUE["en"]) == set(CATALOGUE["zh"])
    for lang, cat in CATALOGUE.items():
        assert all(v.strip() for v in cat.values()), lang


def test_every_key_used_in_code_exists():
    used = {k for path in SOURCES for k in KEY_CALL.findall(path.read_text(encoding="utf-8"))}
    assert used, "the scan found no keys: the pattern is wrong"
    missing = used - set(CATALOGUE["en"])
    assert not missing, missing
    # keys built at run time
    for grain in ("month", "quarter", "fiscal_year"):
        assert f"grain.{grain}" in CATALOGUE["en"]
    for domain in ("hr", "sales", "talent", "commission"):
        assert f"domain.{domain}" in CATALOGUE["en"]


def test_chinese_strings_are_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    same_everywhere = {"risk.roc_auc", "risk.pr_auc", "incentives.gain"}  # technical names used as is in Chinese
    untranslated = [k for k, v in CATALOGUE["zh"].items()
                    if not cjk.search(v) and v == CATALOGUE["en"][k] and k not in same_everywhere]
    assert untranslated == []


def test_pages_have_no_bare_visible_strings():
    calls = re.compile(r"\bst\.(title|header|subheader|caption|markdown|info|warning|error|write)\(\s*[\"']")
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        assert not calls.search(path.read_text(encoding="utf-8")), path


def test_formatting_per_language():
    assert fmt_number(0.3456, "ratio") == "34.6%"
    assert fmt_number(1_234_567, "currency", "en") == "¥1.23M"
    assert fmt_number(1_234_567, "currency", "zh") == "¥123.5万"
    assert fmt_number(None, "count") == "—"
    assert t("period.partial", "zh", label="2025-Q4") == "2025-Q4（未完结）"
    assert t("no.such.key") == "⟦no.such.key⟧"
