#!/usr/bin/env bash
# Install everything the tests need, then run lint and the whole test suite.
# This is the README's test command; .ci/run calls it unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Browser tests and chart export need Debian's Chromium and CJK fonts.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# (no grep -q: with pipefail, fc-list would die of SIGPIPE and the check would always fail)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
# The Spark engine runs on Java 17; the live-connector tests start a real PostgreSQL server.
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (apt)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

python -m ruff check .
python -m pytest -n 2 --dist loadfile "$@"  # two workers; a module stays on one (its fixtures and order)
