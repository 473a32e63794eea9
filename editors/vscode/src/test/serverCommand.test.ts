import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { expandVariables, type ModuleProbe, pipInstall, quoteCommand, type ResolveInputs, resolveServerCommand } from '../serverCommand';

/** A machine described by what is on it: executables, PATH entries and interpreters. */
function machine(options: {
  files?: string[];
  onPath?: Record<string, string>;
  interpreters?: Record<string, ModuleProbe>;
  pythonExtension?: string[] | undefined | Error;
  trusted?: boolean;
  path?: string[];
  interpreter?: string[];
}): ResolveInputs & { probed: string[][]; askedPythonExtension: () => number } {
  const probed: string[][] = [];
  let asked = 0;
  return {
    path: options.path ?? [],
    interpreter: options.interpreter ?? [],
    pythonExtensionInterpreter: async () => {
      asked += 1;
      if (options.pythonExtension instanceof Error) {
        throw options.pythonExtension;
      }
      return options.pythonExtension;
    },
    which: (name) => options.onPath?.[name],
    isExecutable: (file) => (options.files ?? []).includes(file),
    probe: async (interpreter) => {
      probed.push(interpreter);
      return options.interpreters?.[interpreter[0]] ?? 'missing-interpreter';
    },
    variables: { workspaceFolder: '/work/proj', userHome: '/home/dev' },
    trusted: options.trusted ?? true,
    probed,
    askedPythonExtension: () => asked,
  };
}

describe('resolveServerCommand', () => {
  test('integrityLsp.path wins: the first entry that exists, started with "serve"', async () => {
    const inputs = machine({
      path: ['/missing/integrity-lsp', '${workspaceFolder}/.venv/bin/integrity-lsp', '/other/integrity-lsp'],
      files: ['/work/proj/.venv/bin/integrity-lsp', '/other/integrity-lsp'],
      interpreter: ['/usr/bin/python3'],
      interpreters: { '/usr/bin/python3': 'installed' },
      pythonExtension: ['/venv/bin/python'],
    });
    const resolution = await resolveServerCommand(inputs);
    assert.ok(resolution.ok);
    assert.deepEqual(resolution.command, { command: '/work/proj/.venv/bin/integrity-lsp', args: ['serve'], source: 'path' });
    assert.match(resolution.notes.join('\n'), /\/missing\/integrity-lsp does not exist/);
    assert.equal(inputs.probed.length, 0);
    assert.equal(inputs.askedPythonExtension(), 0);
  });

  test('a bare name in integrityLsp.path is looked up on PATH', async () => {
    const resolution = await resolveServerCommand(machine({ path: ['integrity-lsp'], onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp' } }));
    assert.ok(resolution.ok);
    assert.equal(resolution.command.command, '/usr/local/bin/integrity-lsp');
  });

  test('integrityLsp.path that matches nothing is an error, not a silent fallback', async () => {
    const resolution = await resolveServerCommand(
      machine({ path: ['~/bin/integrity-lsp'], onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp' } }),
    );
    assert.equal(resolution.ok, false);
    assert.ok(!resolution.ok);
    assert.equal(resolution.source, 'path');
    assert.match(resolution.reason, /\/home\/dev\/bin\/integrity-lsp/);
    assert.equal(resolution.installCommand, 'pip install integrity-lsp');
  });

  test('integrityLsp.interpreter runs "-m integrity_lsp serve", keeping extra interpreter arguments first', async () => {
    const inputs = machine({
      interpreter: ['/opt/conda/bin/conda', 'run', '-n', 'web', 'python'],
      interpreters: { '/opt/conda/bin/conda': 'installed' },
      pythonExtension: ['/venv/bin/python'],
    });
    const resolution = await resolveServerCommand(inputs);
    assert.ok(resolution.ok);
    assert.deepEqual(resolution.command, {
      command: '/opt/conda/bin/conda',
      args: ['run', '-n', 'web', 'python', '-m', 'integrity_lsp', 'serve'],
      source: 'interpreter',
      interpreter: ['/opt/conda/bin/conda', 'run', '-n', 'web', 'python'],
    });
    assert.equal(inputs.askedPythonExtension(), 0);
  });

  test('integrityLsp.interpreter without integrity-lsp installed: error with that interpreter\'s pip command', async () => {
    const resolution = await resolveServerCommand(
      machine({
        interpreter: ['${workspaceFolder}/.venv/bin/python'],
        interpreters: { '/work/proj/.venv/bin/python': 'not-installed' },
        onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp' },
      }),
    );
    assert.ok(!resolution.ok);
    assert.equal(resolution.source, 'interpreter');
    assert.match(resolution.reason, /not installed/);
    assert.equal(resolution.installCommand, '/work/proj/.venv/bin/python -m pip install integrity-lsp');
  });

  test('integrityLsp.interpreter that cannot run says so', async () => {
    const resolution = await resolveServerCommand(machine({ interpreter: ['/nope/python'] }));
    assert.ok(!resolution.ok);
    assert.match(resolution.reason, /cannot be run: \/nope\/python/);
  });

  test('then the Python extension\'s interpreter, when integrity-lsp is installed in it', async () => {
    const resolution = await resolveServerCommand(
      machine({
        pythonExtension: ['/work/proj/.venv/bin/python'],
        interpreters: { '/work/proj/.venv/bin/python': 'installed' },
        onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp' },
      }),
    );
    assert.ok(resolution.ok);
    assert.deepEqual(resolution.command, {
      command: '/work/proj/.venv/bin/python',
      args: ['-m', 'integrity_lsp', 'serve'],
      source: 'python-extension',
      interpreter: ['/work/proj/.venv/bin/python'],
    });
  });

  test('the Python extension\'s interpreter without integrity-lsp falls back to PATH, with a note', async () => {
    const resolution = await resolveServerCommand(
      machine({
        pythonExtension: ['/work/proj/.venv/bin/python'],
        interpreters: { '/work/proj/.venv/bin/python': 'not-installed' },
        onPath: { 'integrity-lsp': '/home/dev/.local/bin/integrity-lsp' },
      }),
    );
    assert.ok(resolution.ok);
    assert.deepEqual(resolution.command, { command: '/home/dev/.local/bin/integrity-lsp', args: ['serve'], source: 'PATH' });
    assert.match(resolution.notes.join('\n'), /not installed in the Python extension's interpreter/);
  });

  test('nothing anywhere: the install command names the selected interpreter', async () => {
    const resolution = await resolveServerCommand(
      machine({ pythonExtension: ['/work/my proj/.venv/bin/python'], interpreters: { '/work/my proj/.venv/bin/python': 'not-installed' } }),
    );
    assert.ok(!resolution.ok);
    assert.equal(resolution.source, 'python-extension');
    assert.equal(resolution.installCommand, '"/work/my proj/.venv/bin/python" -m pip install integrity-lsp');
    assert.match(resolution.reason, /not on PATH/);
  });

  test('no Python extension and nothing on PATH: plain pip install', async () => {
    const resolution = await resolveServerCommand(machine({ pythonExtension: undefined }));
    assert.ok(!resolution.ok);
    assert.equal(resolution.source, 'none');
    assert.equal(resolution.installCommand, 'pip install integrity-lsp');
  });

  test('a failing Python extension API is noted and PATH is still tried', async () => {
    const resolution = await resolveServerCommand(
      machine({ pythonExtension: new Error('boom'), onPath: { 'integrity-lsp': '/usr/bin/integrity-lsp' } }),
    );
    assert.ok(resolution.ok);
    assert.equal(resolution.command.source, 'PATH');
    assert.match(resolution.notes.join('\n'), /boom/);
  });

  test('untrusted workspace: the Python extension\'s interpreter is not asked for nor run', async () => {
    const inputs = machine({
      trusted: false,
      pythonExtension: ['/work/proj/.venv/bin/python'],
      interpreters: { '/work/proj/.venv/bin/python': 'installed' },
      onPath: { 'integrity-lsp': '/usr/bin/integrity-lsp' },
    });
    const resolution = await resolveServerCommand(inputs);
    assert.ok(resolution.ok);
    assert.equal(resolution.command.source, 'PATH');
    assert.equal(inputs.askedPythonExtension(), 0);
    assert.deepEqual(inputs.probed, []);
  });

  test('empty strings in the settings count as unset', async () => {
    const resolution = await resolveServerCommand(machine({ path: [''], interpreter: [' '], onPath: { 'integrity-lsp': '/usr/bin/integrity-lsp' } }));
    assert.ok(resolution.ok);
    assert.equal(resolution.command.source, 'PATH');
  });
});

describe('helpers', () => {
  test('expandVariables', () => {
    const variables = { workspaceFolder: '/w', userHome: '/h', env: { VIRTUAL_ENV: '/venv' } };
    assert.equal(expandVariables('${workspaceFolder}/.venv/bin/python', variables), '/w/.venv/bin/python');
    assert.equal(expandVariables('~/bin/integrity-lsp', variables), '/h/bin/integrity-lsp');
    assert.equal(expandVariables('${userHome}/x', variables), '/h/x');
    assert.equal(expandVariables('${env:VIRTUAL_ENV}/bin/python', variables), '/venv/bin/python');
    assert.equal(expandVariables('${env:NOPE}/x', variables), '${env:NOPE}/x');
    assert.equal(expandVariables('${workspaceFolder}/x', { userHome: '/h' }), '${workspaceFolder}/x');
    assert.equal(expandVariables('/a~/b', variables), '/a~/b');
  });

  test('pipInstall and quoteCommand', () => {
    assert.equal(pipInstall(['python3']), 'python3 -m pip install integrity-lsp');
    assert.equal(quoteCommand(['/a b/python', '-X', 'utf8']), '"/a b/python" -X utf8');
  });
});
