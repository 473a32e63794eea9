// The bundled extension against the stand-in `vscode` module when the server cannot be started:
// the user gets one clear error naming the reason and the install command, and changing the
// setting restarts the search. Nothing is spawned but a tiny shell script.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { fakeVscode } from './fakeVscode';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-lsp-failure-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('a missing server gives an error with the install command, and a settings change retries', { skip: process.platform === 'win32' }, async () => {
  const settings: Record<string, unknown> = { path: [path.join(scratch, 'missing', 'integrity-lsp')], interpreter: [] };
  const fake = fakeVscode(scratch, settings);
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    return request === 'vscode' ? fake.module : original.call(this, request, parent, isMain);
  };
  let extension: { activate(context: unknown): Promise<void>; deactivate(): Thenable<void> | undefined };
  try {
    extension = require(path.join(__dirname, '..', 'extension.js'));
  } finally {
    loader._load = original;
  }
  await extension.activate({ subscriptions: [] });
  assert.equal(fake.messages.length, 1);
  assert.equal(fake.messages[0].level, 'error');
  assert.match(fake.messages[0].text, /integrity-lsp could not be started: none of the executables in integrityLsp\.path exists/);
  assert.match(fake.messages[0].text, /`pip install integrity-lsp`/);

  // An interpreter without integrity_lsp: the probe's exit status 3 means "not installed".
  const interpreter = path.join(scratch, 'python');
  fs.writeFileSync(interpreter, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
  settings.path = [];
  settings.interpreter = [interpreter];
  for (const listener of fake.configurationListeners) {
    listener({ affectsConfiguration: (section: string) => section === 'integrityLsp' || section === 'integrityLsp.interpreter' });
  }
  const deadline = Date.now() + 10000;
  while (fake.messages.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(fake.messages.length, 2, fake.output.join(''));
  assert.match(fake.messages[1].text, /integrity-lsp is not installed in the interpreter set in integrityLsp\.interpreter/);
  assert.match(fake.messages[1].text, new RegExp('`' + interpreter.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + ' -m pip install integrity-lsp`'));
  await extension.deactivate();
});
