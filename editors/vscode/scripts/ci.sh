#!/usr/bin/env bash
# Builds, tests and packages the VS Code extension:
#   npm ci; bundle the server (scripts/bundle.py: integrity_lsp + its pure-Python dependencies
#   into bundled/libs, with pip from PyPI); compile; npm test; vsce package; check the listing;
#   secret scan; smoke test of the packaged server (scripts/smoke_vsix.py: unpack the .vsix,
#   start bundled/tool/server.py with a system Python that has none of the dependencies, LSP
#   session against examples/).
# Idempotent: `npm ci` is skipped when node_modules was installed from the same package-lock.json
# (set INTEGRITY_LSP_FORCE_NPM_CI=1 to force it), bundled/libs and an old .vsix are replaced.
# Environment: INTEGRITY_LSP_BUNDLE_PYTHON (the Python whose pip builds the bundle; default the
# repository's .venv, else python3), INTEGRITY_LSP_SMOKE_PYTHON (the Python for the smoke test;
# default the first of /usr/bin/python3, /usr/local/bin/python3, python3 on PATH that is 3.10+
# and cannot import pygls).
# Prints the path of the .vsix on the last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "ci.sh: $tool is not installed (Node.js >= 20 and Python 3 are needed)" >&2; exit 2; }
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "ci.sh: Node.js >= 20 is needed, found $(node --version)" >&2
  exit 2
fi

export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.integrity-lsp-ci-stamp"
if [ "${INTEGRITY_LSP_FORCE_NPM_CI:-0}" != "1" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  echo "ci.sh: node_modules matches package-lock.json; skipping npm ci"
else
  echo "ci.sh: npm ci"
  npm ci --no-progress
  echo "$lock_hash" >"$stamp"
fi

bundle_python="${INTEGRITY_LSP_BUNDLE_PYTHON:-}"
if [ -z "$bundle_python" ]; then
  if [ -x "$repo/.venv/bin/python" ]; then bundle_python="$repo/.venv/bin/python"; else bundle_python="python3"; fi
fi
echo "ci.sh: bundle the server ($bundle_python scripts/bundle.py)"
"$bundle_python" scripts/bundle.py --repo "$repo"

echo "ci.sh: npm run compile"
rm -rf out
npm run --silent compile

echo "ci.sh: npm test"
npm test

echo "ci.sh: vsce package"
version="$(node -p 'require("./package.json").version')"
name="$(node -p 'require("./package.json").name')"
vsix="$here/$name-$version.vsix"
rm -f ./*.vsix
# vsce's own secret scan takes minutes on jedi's typeshed stubs: scripts/scan-secrets.js runs the
# same scanner below, on the unpacked package.
npx --no-install vsce package --no-dependencies --allow-missing-repository \
  --allow-package-all-secrets --allow-package-env-file --out "$vsix" </dev/null
test -s "$vsix"

echo "ci.sh: check the package listing"
# The package must hold the bundle (extension and server) and nothing from node_modules or src.
python3 - "$vsix" <<'PY'
import sys, zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
required = [
    "extension/out/extension.js",
    "extension/package.json",
    "extension/bundled/tool/server.py",
    "extension/bundled/bundle.json",
    "extension/bundled/libs/integrity_lsp/__init__.py",
    "extension/bundled/libs/integrity_lsp/__main__.py",
]
packages = ["pygls", "lsprotocol", "cattrs", "attrs", "jedi", "parso"]
problems = [f"missing: {name}" for name in required if name not in names]
problems += [
    f"missing package: {package}"
    for package in packages
    if not any(name.startswith(f"extension/bundled/libs/{package}/") for name in names)
]
problems += [
    f"must not ship: {name}"
    for name in names
    if name.startswith(("extension/node_modules/", "extension/src/"))
    or "/__pycache__/" in name
    or name.endswith((".pyc", ".so", ".pyd", ".dll", ".dylib"))
]
if problems:
    sys.exit("ci.sh: bad package listing:\n  " + "\n  ".join(problems))
bundled = [name for name in names if name.startswith("extension/bundled/")]
own = [name for name in bundled if name.startswith("extension/bundled/libs/integrity_lsp/")]
print(f"ci.sh: {len(names)} files; {len(bundled)} under extension/bundled/ ({len(own)} of integrity_lsp)")
PY

unpacked="$(mktemp -d "${TMPDIR:-/tmp}/integrity-lsp-vsix-ci.XXXXXX")"
trap 'rm -rf "$unpacked"' EXIT
python3 -m zipfile -e "$vsix" "$unpacked"
echo "ci.sh: secret scan"
node scripts/scan-secrets.js "$unpacked"

echo "ci.sh: smoke test of the packaged server"
# A Python outside the repository's virtualenv, 3.10+, that cannot import pygls.
smoke_python=""
candidates=("${INTEGRITY_LSP_SMOKE_PYTHON:-}" /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 || true)")
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  case "$(cd / && "$candidate" -c 'import sys; print(sys.prefix)')" in "$repo"/*) continue ;; esac
  (cd / && env -u PYTHONPATH "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))') || continue
  if (cd / && env -u PYTHONPATH "$candidate" -c 'import pygls' 2>/dev/null); then
    echo "ci.sh: $candidate can import pygls; not usable for the smoke test"
    continue
  fi
  smoke_python="$candidate"
  break
done
if [ -z "$smoke_python" ]; then
  echo "ci.sh: no Python 3.10+ without pygls found for the smoke test (set INTEGRITY_LSP_SMOKE_PYTHON)" >&2
  exit 1
fi
"$smoke_python" scripts/smoke_vsix.py --vsix "$vsix" --python "$smoke_python" \
  --project "$repo/examples" --file shop/services.py --expect IL101

ls -l "$vsix" | awk '{print "ci.sh: " $5 " bytes: " $9}'
echo "$vsix"
