// The bundled extension against the stand-in `vscode` module when the server cannot be started:
// the user gets one clear error naming the reason and what to do (never `pip install
// integrity-lsp`: it is not on PyPI), and changing a setting restarts the search. Nothing is
// spawned but tiny shell scripts.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { fakeVscode } from './fakeVscode';
import { context, loadExtension } from './support';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-lsp-failure-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** An extension folder with a (stand-in) bundled server. */
function extensionWithBundle(): string {
  const extension = path.join(scratch, 'extension');
  fs.mkdirSync(path.join(extension, 'bundled', 'tool'), { recursive: true });
  fs.mkdirSync(path.join(extension, 'bundled', 'libs', 'integrity_lsp'), { recursive: true });
  fs.writeFileSync(path.join(extension, 'bundled', 'tool', 'server.py'), '');
  fs.writeFileSync(path.join(extension, 'bundled', 'libs', 'integrity_lsp', '__init__.py'), '');
  fs.writeFileSync(path.join(extension, 'bundled', 'bundle.json'), JSON.stringify({ minPython: '3.10' }));
  return extension;
}

/** A stand-in interpreter that answers the probe as Python `version` would. */
function interpreter(name: string, version: [number, number, number]): string {
  const file = path.join(scratch, name);
  const answer = JSON.stringify({ executable: file, version, server: false });
  fs.writeFileSync(file, `#!/bin/sh\necho 'INTEGRITY_LSP_PROBE ${answer}'\n`, { mode: 0o755 });
  return file;
}

async function settle(fake: { messages: unknown[] }, count: number): Promise<void> {
  const deadline = Date.now() + 10000;
  while (fake.messages.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a missing server gives an error with what to do, and a settings change retries', { skip: process.platform === 'win32' }, async () => {
  const settings: Record<string, unknown> = { path: [path.join(scratch, 'missing', 'integrity-lsp')], interpreter: [] };
  const fake = fakeVscode(scratch, settings);
  const extension = loadExtension(fake);
  await extension.activate(context(extensionWithBundle()));
  assert.equal(fake.messages.length, 1);
  assert.equal(fake.messages[0].level, 'error');
  assert.match(fake.messages[0].text, /integrity-lsp could not be started for integrity-lsp-failure-\w+: none of the executables in integrityLsp\.path exists/);
  assert.match(fake.messages[0].text, /Clear integrityLsp\.path to use the server bundled with the extension/);

  // useBundled with an interpreter that is too old: said so, with the version needed.
  settings.path = [];
  settings.interpreter = [interpreter('python3.9', [3, 9, 18])];
  for (const listener of fake.configurationListeners) {
    listener({ affectsConfiguration: (section: string) => section === 'integrityLsp' || section === 'integrityLsp.interpreter' });
  }
  await settle(fake, 2);
  assert.equal(fake.messages.length, 2, fake.output.join(''));
  assert.match(fake.messages[1].text, /the interpreter in integrityLsp\.interpreter is Python 3\.9\.18; the bundled server needs Python 3\.10 or newer/);

  for (const message of fake.messages) {
    assert.doesNotMatch(message.text, /pip install (--upgrade )?integrity-lsp\b/);
  }
  await extension.deactivate();
});

test('fromEnvironment in a build without the bundle: install from a clone or a wheel', { skip: process.platform === 'win32' }, async () => {
  const empty = path.join(scratch, 'no-bundle');
  fs.mkdirSync(empty, { recursive: true });
  const savedPath = process.env.PATH;
  process.env.PATH = empty; // no integrity-lsp, no python3 on PATH
  try {
    const fake = fakeVscode(scratch, { importStrategy: 'fromEnvironment', path: [], interpreter: [interpreter('python3.12', [3, 12, 1])] });
    const extension = loadExtension(fake);
    await extension.activate(context(empty));
    await settle(fake, 1);
    assert.equal(fake.messages.length, 1, fake.output.join(''));
    const text = fake.messages[0].text;
    assert.match(text, /integrity-lsp is not installed in the interpreter set in integrityLsp\.interpreter/);
    assert.match(text, /-m pip install \/path\/to\/integrity-lsp/);
    assert.match(text, /integrity_lsp-<version>-py3-none-any\.whl/);
    assert.doesNotMatch(text, /pip install (--upgrade )?integrity-lsp\b/);
    await extension.deactivate();
  } finally {
    process.env.PATH = savedPath;
  }
});
