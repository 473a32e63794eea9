// The bundled extension, run against a stand-in `vscode` module (fakeVscode.ts) and the
// stand-in server of editors/nvim/test/fake_server.py: vscode-languageclient really starts the
// process named by integrityLsp.path and talks LSP to it over stdio. Checks what only a running
// client shows: the initializationOptions and the workspace/configuration answer the server
// receives, and the Explain command's round trip. Needs python3 with pygls (a dependency of the
// Python package); skipped otherwise.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import { which } from '../system';
import { fakeVscode, type FakeVscode } from './fakeVscode';

const fakeServer = path.resolve(__dirname, '..', '..', '..', 'nvim', 'test', 'fake_server.py');
const python = which('python3') ?? which('python');

function hasPygls(): boolean {
  if (python === undefined || !fs.existsSync(fakeServer)) {
    return false;
  }
  try {
    execFileSync(python, ['-c', 'import pygls.lsp.server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = hasPygls() ? false : 'needs python3 with pygls and editors/nvim/test/fake_server.py';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-lsp-client-'));
const record = path.join(scratch, 'record.json');
let fake: FakeVscode;
let extension: { activate(context: unknown): Promise<void>; deactivate(): Thenable<void> | undefined };

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; client log:\n${fake.output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readRecord(): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(record, 'utf8')) as Record<string, unknown>;
    return parsed.configuration !== null && parsed.configuration !== undefined ? parsed : undefined;
  } catch {
    return undefined;
  }
}

before(async () => {
  if (skip) {
    return;
  }
  const project = path.join(scratch, 'proj');
  fs.mkdirSync(project);
  const wrapper = path.join(scratch, 'integrity-lsp');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${python}" "${fakeServer}"\n`, { mode: 0o755 });
  process.env.FAKE_INTEGRITY_LSP_LOG = record;
  fake = fakeVscode(project, {
    path: [wrapper],
    interpreter: [],
    select: ['IL1', 'IL201'],
    ignore: [],
    severity: { IL104: 'info' },
    atomicRequests: false,
    djangoVersion: '',
    settingsModule: 'config.settings',
  });
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    return request === 'vscode' ? fake.module : original.call(this, request, parent, isMain);
  };
  try {
    extension = require(path.join(__dirname, '..', 'extension.js'));
  } finally {
    loader._load = original;
  }
  await extension.activate({ subscriptions: [] });
});

after(async () => {
  if (extension !== undefined) {
    await extension.deactivate();
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

const expected = {
  select: ['IL1', 'IL201'],
  severity: { IL104: 'info' },
  'atomic-requests': false,
  'settings-module': 'config.settings',
};

test('the server gets the kebab-case settings as initializationOptions', { skip }, async () => {
  const seen = await until('the server to record its initialize', readRecord);
  assert.deepEqual(seen.initialization_options, expected);
});

test('workspace/configuration for "integrity-lsp" is answered from integrityLsp.* by the middleware', { skip }, async () => {
  const seen = await until('the workspace/configuration answer', readRecord);
  assert.deepEqual(seen.configuration, expected);
  assert.equal(seen.position_encoding, 'utf-16');
});

test('the log names the command and where it came from; no error was shown', { skip }, () => {
  const log = fake.output.join('');
  assert.match(log, /Starting .*integrity-lsp serve \(from integrityLsp\.path\)/);
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
});

test('Explain IntegrityError… runs integrity-lsp.explain and lists its locations', { skip }, async () => {
  fake.inputs.push('UNIQUE constraint failed: shop_product.sku');
  const explain = fake.commands.get('integrityLsp.explainError');
  assert.ok(explain, 'integrityLsp.explainError is registered');
  await explain();
  assert.equal(fake.quickPicks.length, 1);
  assert.equal(fake.quickPicks[0].title, 'integrity-lsp: explained: UNIQUE constraint failed: shop_product.sku');
  assert.deepEqual(fake.quickPicks[0].items.map((item) => item.label), ['Product.sku (unique=True)']);
  assert.match(fake.quickPicks[0].items[0].description ?? '', /shop\/models\.py:4:5$/);
});

test('Restart stops the server and starts it again', { skip }, async () => {
  fs.rmSync(record, { force: true });
  const restart = fake.commands.get('integrityLsp.restart');
  assert.ok(restart);
  await restart();
  const seen = await until('the restarted server to initialize', readRecord);
  assert.deepEqual(seen.initialization_options, expected);
  assert.equal((fake.output.join('').match(/Server started\./g) ?? []).length, 2);
});
