// The bundled extension, run against a stand-in `vscode` module (fakeVscode.ts) and the
// stand-in server of editors/nvim/test/fake_server.py: vscode-languageclient really starts the
// process named by integrityLsp.path and talks LSP to it over stdio. Checks what only a running
// client shows: the initializationOptions and the workspace/configuration answer the server
// receives, and the Explain command's round trip. Needs python3 with pygls (the bundle's, once
// scripts/bundle.py has run); skipped otherwise.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import { fakeVscode, type FakeVscode } from './fakeVscode';
import { context, type ExtensionModule, fakeServerScript, loadExtension, pythonWithPygls, readJson, until } from './support';

const runner = pythonWithPygls();
const skip = runner !== undefined ? false : 'needs python3 with pygls (or the bundle) and editors/nvim/test/fake_server.py';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-lsp-client-'));
const record = path.join(scratch, 'record.json');
let fake: FakeVscode;
let extension: ExtensionModule;

function readRecord(): Record<string, unknown> | undefined {
  const parsed = readJson(record);
  return parsed?.configuration !== null && parsed?.configuration !== undefined ? parsed : undefined;
}

const clientLog = () => fake.output.join('');

before(async () => {
  if (runner === undefined) {
    return;
  }
  const project = path.join(scratch, 'proj');
  fs.mkdirSync(project);
  const wrapper = fakeServerScript(path.join(scratch, 'integrity-lsp'), runner, record);
  fake = fakeVscode(project, {
    path: [wrapper],
    interpreter: [],
    select: ['IL1', 'IL201'],
    ignore: [],
    severity: { IL104: 'info' },
    atomicRequests: false,
    djangoVersion: '',
    settingsModule: 'config.settings',
    migrationsSince: 'origin/main',
    logLevel: 'debug',
  });
  extension = loadExtension(fake);
  await extension.activate(context());
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
  'migrations-since': 'origin/main',
};

test('the server gets the kebab-case settings under "integrity-lsp" in initializationOptions, with logLevel', { skip }, async () => {
  const seen = await until('the server to record its initialize', readRecord, clientLog);
  // No interpreter is known here (no Python extension, integrityLsp.interpreter empty): no `python`.
  assert.deepEqual(seen.initialization_options, { 'integrity-lsp': expected, logLevel: 'debug' });
});

test('workspace/configuration for "integrity-lsp" is answered from integrityLsp.* by the middleware', { skip }, async () => {
  const seen = await until('the workspace/configuration answer', readRecord, clientLog);
  assert.deepEqual(seen.configuration, expected);
  assert.equal(seen.position_encoding, 'utf-16');
});

test('the log names the command and where it came from; no error was shown', { skip }, () => {
  assert.match(clientLog(), /Starting .*integrity-lsp serve for proj \(the server from the environment, from integrityLsp\.path\)/);
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
});

test('one server for the one folder, for its Python files and untitled Python documents', { skip }, () => {
  const servers = extension.runningServers();
  assert.equal(servers.length, 1);
  assert.equal(servers[0].running, true);
  const selector = servers[0].documentSelector as { scheme: string; language: string; pattern?: { baseUri: { fsPath: string }; pattern: string } }[];
  assert.deepEqual(
    selector.map((filter) => [filter.scheme, filter.language, filter.pattern?.baseUri.fsPath, filter.pattern?.pattern]),
    [
      ['file', 'python', path.join(scratch, 'proj'), '**/*'],
      ['untitled', 'python', undefined, undefined],
    ],
  );
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
  const seen = await until('the restarted server to initialize', readRecord, clientLog);
  assert.deepEqual(seen.initialization_options, { 'integrity-lsp': expected, logLevel: 'debug' });
  assert.equal((clientLog().match(/Server started for proj\./g) ?? []).length, 2);
});
