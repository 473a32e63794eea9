#!/usr/bin/env bash
# Builds, tests and packages the VS Code extension: npm ci, compile, npm test, vsce package.
# Idempotent: `npm ci` is skipped when node_modules was installed from the same package-lock.json
# (set INTEGRITY_LSP_FORCE_NPM_CI=1 to force it), and an old .vsix is replaced.
# Prints the path of the .vsix on the last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "ci.sh: $tool is not installed (Node.js >= 20 is needed)" >&2; exit 2; }
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
npx --no-install vsce package --no-dependencies --allow-missing-repository --out "$vsix" </dev/null
test -s "$vsix"
# The package must hold the bundle and nothing from node_modules or the sources.
listing="$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$vsix")"
echo "$listing" | grep -qx 'extension/out/extension.js' || { echo "ci.sh: out/extension.js is missing from $vsix" >&2; exit 1; }
if echo "$listing" | grep -Eq '^extension/(node_modules|src)/'; then
  echo "ci.sh: $vsix contains node_modules/ or src/ files:" >&2
  echo "$listing" >&2
  exit 1
fi
echo "$vsix"
