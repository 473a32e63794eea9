// Shared by the tests that run the bundled extension (out/extension.js) against the stand-in
// `vscode` module: loading it, waiting for things, and a Python that can run the stand-in
// server editors/nvim/test/fake_server.py (pygls from the bundle when it has been built).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

import { which } from '../system';
import type { FakeVscode } from './fakeVscode';

export const EXTENSION_DIR = path.resolve(__dirname, '..', '..');
export const BUNDLED_LIBS = path.join(EXTENSION_DIR, 'bundled', 'libs');
export const FAKE_SERVER = path.resolve(EXTENSION_DIR, '..', 'nvim', 'test', 'fake_server.py');

export interface ExtensionModule {
  activate(context: unknown): Promise<void>;
  deactivate(): Thenable<void> | undefined;
  runningServers(): {
    folder: string | undefined;
    untitled: boolean;
    command: { command: string; args: string[]; bundled: boolean; python?: string } | undefined;
    documentSelector: unknown;
    running: boolean;
  }[];
}

/** Loads a fresh out/extension.js (one bundle: vscode-languageclient is inside) with `fake` as its `vscode` module. */
export function loadExtension(fake: FakeVscode): ExtensionModule {
  const bundle = path.join(EXTENSION_DIR, 'out', 'extension.js');
  delete require.cache[require.resolve(bundle)];
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    return request === 'vscode' ? fake.module : original.call(this, request, parent, isMain);
  };
  try {
    return require(bundle) as ExtensionModule;
  } finally {
    loader._load = original;
  }
}

/** The extension context: `extensionPath` decides whether a bundled server is found. */
export function context(extensionPath: string = EXTENSION_DIR): { subscriptions: unknown[]; extensionPath: string } {
  return { subscriptions: [], extensionPath };
}

export async function until<T>(what: string, probe: () => T | undefined, log: () => string, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; client log:\n${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A Python 3 that can import pygls: with the bundled libs on PYTHONPATH when they exist. */
export function pythonWithPygls(): { python: string; pythonPath?: string } | undefined {
  const python = which('python3') ?? which('python');
  if (python === undefined || !fs.existsSync(FAKE_SERVER)) {
    return undefined;
  }
  const attempts: (string | undefined)[] = fs.existsSync(path.join(BUNDLED_LIBS, 'pygls')) ? [BUNDLED_LIBS, undefined] : [undefined];
  for (const pythonPath of attempts) {
    try {
      const env = { ...process.env, ...(pythonPath !== undefined ? { PYTHONPATH: pythonPath } : {}) };
      execFileSync(python, ['-c', 'import pygls.lsp.server'], { stdio: 'ignore', env });
      return { python, pythonPath };
    } catch {
      // try the next
    }
  }
  return undefined;
}

/**
 * A shell script that starts the stand-in server; it records what the client sent in
 * `record` (a path, or a name relative to the working directory the extension starts it in).
 */
export function fakeServerScript(file: string, runner: { python: string; pythonPath?: string }, record: string): string {
  const pythonPath = runner.pythonPath !== undefined ? `PYTHONPATH=${JSON.stringify(runner.pythonPath)} ` : '';
  fs.writeFileSync(
    file,
    `#!/bin/sh\nFAKE_INTEGRITY_LSP_LOG=${JSON.stringify(record)} ${pythonPath}exec ${JSON.stringify(runner.python)} ${JSON.stringify(FAKE_SERVER)}\n`,
    { mode: 0o755 },
  );
  return file;
}

export function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
