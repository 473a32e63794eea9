// Secret scan of an unpacked .vsix with vsce's own secretlint set-up (the check `vsce package`
// runs), in batches and without jedi's vendored typeshed stubs: vsce's built-in scan takes
// minutes on the ~5,500 .pyi files there (type declarations from the typeshed project), so
// ci.sh packages with --allow-package-all-secrets --allow-package-env-file and runs this instead.
//   node scripts/scan-secrets.js <folder of the unpacked .vsix>
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const SKIP = `${path.sep}bundled${path.sep}libs${path.sep}jedi${path.sep}third_party${path.sep}typeshed${path.sep}`;
const BATCH = 200;

function walk(directory, found = []) {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      walk(file, found);
    } else {
      found.push(file);
    }
  }
  return found;
}

async function main() {
  const root = path.resolve(process.argv[2] ?? '');
  if (!process.argv[2] || !fs.existsSync(root)) {
    console.error('usage: node scripts/scan-secrets.js <folder of the unpacked .vsix>');
    process.exit(2);
  }
  // vsce's module: the same rules and engine as `vsce package` (pinned by package-lock.json).
  const { lintFiles, prettyPrintLintResult } = require(path.join(__dirname, '..', 'node_modules', '@vscode', 'vsce', 'out', 'secretLint'));
  const all = walk(root);
  const dotEnv = all.filter((file) => /^\.env(\..*)?$/.test(path.basename(file)));
  if (dotEnv.length > 0) {
    console.error(`scan-secrets: .env files in the package: ${dotEnv.join(', ')}`);
    process.exit(1);
  }
  const files = all.filter((file) => !file.includes(SKIP));
  const started = Date.now();
  const findings = [];
  for (let index = 0; index < files.length; index += BATCH) {
    const result = await lintFiles(files.slice(index, index + BATCH), true, true);
    if (!result.ok) {
      findings.push(...result.results);
    }
  }
  if (findings.length > 0) {
    console.error('scan-secrets: possible secrets in the package:\n' + findings.map(prettyPrintLintResult).join('\n'));
    process.exit(1);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`scan-secrets: ${files.length} files scanned in ${seconds} s, nothing found (${all.length - files.length} typeshed stubs skipped)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
