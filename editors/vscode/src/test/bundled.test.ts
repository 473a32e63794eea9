// The extension with its default settings (importStrategy useBundled) against the stand-in
// `vscode` module: vscode-languageclient starts the REAL bundled server (bundled/tool/server.py
// and bundled/libs, built by scripts/bundle.py) with python3 from PATH, in examples/, and the
// Explain command goes through it. Skipped when the bundle has not been built.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import { findBundle, which } from '../system';
import { fakeVscode, type FakeVscode } from './fakeVscode';
import { context, EXTENSION_DIR, type ExtensionModule, loadExtension, until } from './support';

const examples = path.resolve(EXTENSION_DIR, '..', '..', 'examples');
const python = which('python3');

function usable(): string | false {
  if (findBundle(EXTENSION_DIR) === undefined) {
    return 'the bundle is not built (scripts/bundle.py)';
  }
  if (python === undefined || !fs.existsSync(path.join(examples, 'shop'))) {
    return 'needs python3 and examples/';
  }
  try {
    execFileSync(python, ['-c', 'import sys; sys.exit(sys.version_info < (3, 10))']);
  } catch {
    return 'python3 is older than 3.10';
  }
  return false;
}

const skip = usable();
let fake: FakeVscode;
let extension: ExtensionModule;
const clientLog = () => fake.output.join('');

before(async () => {
  if (skip) {
    return;
  }
  fake = fakeVscode(examples, {});
  extension = loadExtension(fake);
  await extension.activate(context());
});

after(async () => {
  if (extension !== undefined) {
    await extension.deactivate();
  }
});

test('by default the bundled server runs with python3 from PATH', { skip }, () => {
  const [server] = extension.runningServers();
  assert.equal(server.running, true, clientLog());
  assert.equal(server.command?.bundled, true);
  assert.equal(server.command?.command, python);
  assert.deepEqual(server.command?.args, [path.join(EXTENSION_DIR, 'bundled', 'tool', 'server.py'), 'serve']);
  assert.match(clientLog(), /Starting .*bundled\/tool\/server\.py serve for examples \(the bundled server, from PATH; project interpreter /);
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error' || m.level === 'warning'), []);
});

test('Explain IntegrityError… is answered by the bundled server from the models of examples/', { skip }, async () => {
  fake.inputs.push('UNIQUE constraint failed: shop_product.sku');
  const explain = fake.commands.get('integrityLsp.explainError');
  assert.ok(explain);
  await until('the server to be running', () => (extension.runningServers()[0]?.running ? true : undefined), clientLog);
  await explain();
  assert.equal(fake.quickPicks.length, 1, clientLog());
  const labels = fake.quickPicks[0].items.map((item) => `${item.label} ${item.description ?? ''}`);
  assert.ok(
    labels.some((label) => /sku/.test(label) && /shop\/models\/catalog\.py/.test(label)),
    labels.join('\n'),
  );
});
