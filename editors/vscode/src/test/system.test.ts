// The real look-ups, against this machine: a Python interpreter is needed (python3 on PATH).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { isExecutable, probeModule, which } from '../system';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-lsp-vscode-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const python = which('python3') ?? which('python');

describe('which / isExecutable', { skip: process.platform === 'win32' }, () => {
  test('finds an executable file on PATH and ignores non-executable ones', () => {
    const bin = path.join(scratch, 'bin');
    fs.mkdirSync(bin);
    const tool = path.join(bin, 'integrity-lsp');
    fs.writeFileSync(tool, '#!/bin/sh\n');
    fs.chmodSync(tool, 0o644);
    assert.equal(isExecutable(tool), false);
    assert.equal(which('integrity-lsp', { PATH: bin }), undefined);
    fs.chmodSync(tool, 0o755);
    assert.equal(isExecutable(tool), true);
    assert.equal(which('integrity-lsp', { PATH: ['/nonexistent', bin].join(path.delimiter) }), tool);
    assert.equal(isExecutable(bin), false);
  });
});

describe('probeModule', { skip: python === undefined ? 'no python on PATH' : false }, () => {
  test('a module the interpreter has', async () => {
    assert.equal(await probeModule([python as string], 'json'), 'installed');
  });

  test('a module it does not have', async () => {
    assert.equal(await probeModule([python as string], 'integrity_lsp_surely_not_installed'), 'not-installed');
  });

  test('a package in the working directory counts (the server is started there too)', async () => {
    const project = path.join(scratch, 'project');
    fs.mkdirSync(path.join(project, 'localpkg'), { recursive: true });
    fs.writeFileSync(path.join(project, 'localpkg', '__init__.py'), 'raise SystemExit(9)\n');
    // find_spec does not import the package: its __init__ would exit with 9.
    assert.equal(await probeModule([python as string], 'localpkg', 20000, project), 'installed');
  });

  test('extra interpreter arguments are passed before -c', async () => {
    assert.equal(await probeModule([python as string, '-X', 'utf8'], 'json'), 'installed');
  });

  test('an interpreter that does not exist', async () => {
    assert.equal(await probeModule([path.join(scratch, 'no-python')], 'json'), 'missing-interpreter');
  });
});
