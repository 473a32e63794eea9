// The packaged entry point is the esbuild bundle: it must load with nothing but the `vscode`
// module around (no node_modules in the .vsix) and export activate/deactivate.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const bundle = path.join(__dirname, '..', 'extension.js');
const packageJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { main: string };

test('package.json main is the bundle', () => {
  assert.equal(path.resolve(path.join(__dirname, '..', '..'), packageJson.main), bundle);
});

test('the bundle loads without node_modules and exports activate/deactivate', () => {
  const source = fs.readFileSync(bundle, 'utf8');
  assert.ok(!/require\(["']vscode-languageclient/.test(source), 'vscode-languageclient must be bundled, not required');
  // A stand-in for the `vscode` module: every property is a class, enough for module load time.
  const stub: unknown = new Proxy(
    {},
    {
      get: (_target, property) => (property === '__esModule' ? false : class Stub {}),
    },
  );
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  const requested: string[] = [];
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') {
      return stub;
    }
    if (!request.startsWith('node:') && !Module.builtinModules.includes(request)) {
      requested.push(request);
    }
    return original.call(this, request, parent, isMain);
  };
  try {
    // Loaded through a copy in a directory without node_modules above it.
    const isolated = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-lsp-bundle-'));
    const copy = path.join(isolated, 'extension.js');
    fs.writeFileSync(copy, source);
    try {
      const extension = require(copy) as { activate?: unknown; deactivate?: unknown };
      assert.equal(typeof extension.activate, 'function');
      assert.equal(typeof extension.deactivate, 'function');
    } finally {
      fs.rmSync(isolated, { recursive: true, force: true });
    }
  } finally {
    loader._load = original;
  }
  // Nothing but `vscode` and Node's own modules may be required (the bundle itself aside).
  assert.deepEqual(requested.filter((request) => !path.isAbsolute(request)), []);
});
