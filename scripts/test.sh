#!/usr/bin/env bash
# Install everything the tests need into .venv and run them: lint, types, the test suite,
# and the VS Code extension's build + tests + packaging. One command on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

echo "== ruff"
.venv/bin/ruff check integrity_lsp tests benchmarks
.venv/bin/ruff format --check integrity_lsp tests benchmarks
echo "== mypy (strict)"
.venv/bin/mypy
echo "== pytest"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

if [ -x editors/vscode/scripts/ci.sh ] && [ "${SKIP_VSCODE:-0}" != "1" ]; then
  echo "== VS Code extension"
  editors/vscode/scripts/ci.sh
fi
