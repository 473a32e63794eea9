// The real look-ups, against this machine: a Python interpreter is needed (python3 on PATH).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { findBundle, isExecutable, parseMinPython, parseProbeOutput, probeInterpreter, which } from '../system';

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

describe('probeInterpreter', { skip: python === undefined ? 'no python on PATH' : false }, () => {
  test('reports the executable, the version and whether integrity_lsp can be found', async () => {
    const probe = await probeInterpreter([python as string], 20000, scratch);
    assert.equal(probe.kind, 'ok');
    assert.ok(probe.kind === 'ok');
    assert.ok(path.isAbsolute(probe.executable), probe.executable);
    assert.ok(probe.version[0] >= 3);
    assert.equal(typeof probe.hasServer, 'boolean');
  });

  test('a package named integrity_lsp in the working directory counts, without being imported', async () => {
    const project = path.join(scratch, 'project');
    fs.mkdirSync(path.join(project, 'integrity_lsp'), { recursive: true });
    // find_spec does not import the package: its __init__ would exit with 9.
    fs.writeFileSync(path.join(project, 'integrity_lsp', '__init__.py'), 'raise SystemExit(9)\n');
    const probe = await probeInterpreter([python as string], 20000, project);
    assert.ok(probe.kind === 'ok' && probe.hasServer);
  });

  test('extra interpreter arguments are passed before -c', async () => {
    const probe = await probeInterpreter([python as string, '-X', 'utf8'], 20000, scratch);
    assert.equal(probe.kind, 'ok');
  });

  test('an interpreter that does not exist', async () => {
    const probe = await probeInterpreter([path.join(scratch, 'no-python')]);
    assert.equal(probe.kind, 'missing');
  });

  test('an interpreter that runs but is no Python', { skip: process.platform === 'win32' }, async () => {
    const fake = path.join(scratch, 'not-python');
    fs.writeFileSync(fake, '#!/bin/sh\necho "fake: no such option" >&2\nexit 2\n', { mode: 0o755 });
    const probe = await probeInterpreter([fake]);
    assert.deepEqual(probe, { kind: 'missing', detail: 'fake: no such option' });
  });
});

describe('parseProbeOutput', () => {
  test('finds the marked line among other output (conda run, sitecustomize prints)', () => {
    const stdout = 'hello from sitecustomize\nINTEGRITY_LSP_PROBE {"executable": "/v/bin/python", "version": [3, 12, 1], "server": false}\n';
    assert.deepEqual(parseProbeOutput(stdout), { kind: 'ok', executable: '/v/bin/python', version: [3, 12, 1], hasServer: false });
  });

  test('nothing usable: undefined', () => {
    assert.equal(parseProbeOutput(''), undefined);
    assert.equal(parseProbeOutput('INTEGRITY_LSP_PROBE {"executable": 1}'), undefined);
    assert.equal(parseProbeOutput('INTEGRITY_LSP_PROBE not json'), undefined);
  });
});

describe('findBundle', () => {
  test('needs the launcher and the package; reads the minimum Python from bundle.json', () => {
    const extension = path.join(scratch, 'extension');
    assert.equal(findBundle(extension), undefined);
    fs.mkdirSync(path.join(extension, 'bundled', 'tool'), { recursive: true });
    fs.writeFileSync(path.join(extension, 'bundled', 'tool', 'server.py'), '');
    assert.equal(findBundle(extension), undefined, 'no libs yet');
    fs.mkdirSync(path.join(extension, 'bundled', 'libs', 'integrity_lsp'), { recursive: true });
    fs.writeFileSync(path.join(extension, 'bundled', 'libs', 'integrity_lsp', '__init__.py'), '');
    assert.deepEqual(findBundle(extension), { launcher: path.join(extension, 'bundled', 'tool', 'server.py'), minPython: [3, 10] });
    fs.writeFileSync(path.join(extension, 'bundled', 'bundle.json'), JSON.stringify({ minPython: '3.11' }));
    assert.deepEqual(findBundle(extension)?.minPython, [3, 11]);
  });

  test('parseMinPython', () => {
    assert.deepEqual(parseMinPython('3.12'), [3, 12]);
    assert.deepEqual(parseMinPython(undefined), [3, 10]);
    assert.deepEqual(parseMinPython('three'), [3, 10]);
  });
});
