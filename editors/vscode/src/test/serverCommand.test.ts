import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  type Bundle,
  compareVersions,
  expandVariables,
  installHint,
  type InterpreterProbe,
  quoteCommand,
  type Resolution,
  type ResolveInputs,
  resolveServerCommand,
  toImportStrategy,
} from '../serverCommand';

const LAUNCHER = '/ext/bundled/tool/server.py';
const BUNDLE: Bundle = { launcher: LAUNCHER, minPython: [3, 10] };

/** An interpreter as the probe sees it. */
function py(version: string, options: { server?: boolean; executable?: string } = {}): InterpreterProbe {
  const [major, minor, micro] = version.split('.').map(Number);
  return { kind: 'ok', executable: options.executable ?? '', version: [major, minor, micro ?? 0], hasServer: options.server ?? false };
}

/** A machine described by what is on it: executables, PATH entries and interpreters. */
function machine(options: {
  importStrategy?: unknown;
  bundle?: Bundle | null;
  files?: string[];
  onPath?: Record<string, string>;
  interpreters?: Record<string, InterpreterProbe>;
  pythonExtension?: string[] | undefined | Error;
  trusted?: boolean;
  path?: string[];
  interpreter?: string[];
}): ResolveInputs & { probed: string[][]; askedPythonExtension: () => number } {
  const probed: string[][] = [];
  let asked = 0;
  return {
    importStrategy: options.importStrategy,
    bundle: options.bundle === null ? undefined : (options.bundle ?? BUNDLE),
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
      const found = options.interpreters?.[interpreter[0]];
      if (found === undefined) {
        return { kind: 'missing', detail: 'No such file or directory' };
      }
      return found.kind === 'ok' && found.executable === '' ? { ...found, executable: interpreter[0] } : found;
    },
    variables: { workspaceFolder: '/work/proj', userHome: '/home/dev' },
    trusted: options.trusted ?? true,
    probed,
    askedPythonExtension: () => asked,
  };
}

/** integrity-lsp is not on PyPI: no message may tell anyone to `pip install integrity-lsp`. */
function assertNoPyPiInstall(resolution: Resolution): void {
  const text = JSON.stringify(resolution);
  assert.doesNotMatch(text, /pip install (--upgrade )?integrity-lsp\b/);
}

async function failure(inputs: ResolveInputs) {
  const resolution = await resolveServerCommand(inputs);
  assertNoPyPiInstall(resolution);
  assert.ok(!resolution.ok, `expected a failure, got ${JSON.stringify(resolution)}`);
  return resolution;
}

async function success(inputs: ResolveInputs) {
  const resolution = await resolveServerCommand(inputs);
  assert.ok(resolution.ok, `expected a command, got ${JSON.stringify(resolution)}`);
  return resolution;
}

describe('importStrategy useBundled (the default)', () => {
  test("the bundled server runs with the Python extension's interpreter, which is also sent as `python`", async () => {
    const inputs = machine({
      pythonExtension: ['/work/proj/.venv/bin/python'],
      interpreters: { '/work/proj/.venv/bin/python': py('3.12.1', { server: true }) },
      onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp', python3: '/usr/bin/python3' },
    });
    const resolution = await success(inputs);
    assert.deepEqual(resolution.command, {
      command: '/work/proj/.venv/bin/python',
      args: [LAUNCHER, 'serve'],
      source: 'python-extension',
      bundled: true,
      interpreter: ['/work/proj/.venv/bin/python'],
      python: '/work/proj/.venv/bin/python',
      usesPythonExtension: true,
    });
    assert.deepEqual(inputs.probed, [['/work/proj/.venv/bin/python']]);
  });

  test('integrityLsp.interpreter wins; extra interpreter arguments stay in front; `python` is what it reports', async () => {
    const inputs = machine({
      interpreter: ['/opt/conda/bin/conda', 'run', '-n', 'web', 'python'],
      interpreters: { '/opt/conda/bin/conda': py('3.11.4', { executable: '/opt/conda/envs/web/bin/python' }) },
      pythonExtension: ['/venv/bin/python'],
    });
    const resolution = await success(inputs);
    assert.deepEqual(resolution.command, {
      command: '/opt/conda/bin/conda',
      args: ['run', '-n', 'web', 'python', LAUNCHER, 'serve'],
      source: 'interpreter',
      bundled: true,
      interpreter: ['/opt/conda/bin/conda', 'run', '-n', 'web', 'python'],
      python: '/opt/conda/envs/web/bin/python',
      usesPythonExtension: false,
    });
    assert.equal(inputs.askedPythonExtension(), 0);
  });

  test('no interpreter selected: python3 on PATH runs it', async () => {
    const resolution = await success(
      machine({ pythonExtension: undefined, onPath: { python3: '/usr/bin/python3', python: '/usr/bin/python' }, interpreters: { '/usr/bin/python3': py('3.11.2') } }),
    );
    assert.equal(resolution.command.command, '/usr/bin/python3');
    assert.deepEqual(resolution.command.args, [LAUNCHER, 'serve']);
    assert.equal(resolution.command.source, 'PATH');
    assert.equal(resolution.command.python, '/usr/bin/python3');
  });

  test('then python on PATH, when python3 is too old or missing', async () => {
    const resolution = await success(
      machine({ onPath: { python3: '/usr/bin/python3', python: '/opt/py/bin/python' }, interpreters: { '/usr/bin/python3': py('3.9.2'), '/opt/py/bin/python': py('3.13.0') } }),
    );
    assert.equal(resolution.command.command, '/opt/py/bin/python');
    assert.match(resolution.notes.join('\n'), /\/usr\/bin\/python3\) is Python 3\.9\.2; the bundled server needs 3\.10 or newer/);
  });

  test("a selected interpreter older than 3.10 still is the project's `python`; python3 on PATH runs the server", async () => {
    const resolution = await success(
      machine({
        pythonExtension: ['/work/proj/.venv/bin/python'],
        interpreters: { '/work/proj/.venv/bin/python': py('3.8.18'), '/usr/bin/python3': py('3.11.2') },
        onPath: { python3: '/usr/bin/python3' },
      }),
    );
    assert.equal(resolution.command.command, '/usr/bin/python3');
    assert.equal(resolution.command.source, 'PATH');
    assert.equal(resolution.command.python, '/work/proj/.venv/bin/python');
    assert.match(resolution.notes.join('\n'), /the Python extension's interpreter \(\/work\/proj\/\.venv\/bin\/python\) is Python 3\.8\.18/);
  });

  test('integrityLsp.interpreter older than 3.10 is an error, not a silent fallback', async () => {
    const resolution = await failure(machine({ interpreter: ['/old/python'], interpreters: { '/old/python': py('3.9.0'), '/usr/bin/python3': py('3.12.0') }, onPath: { python3: '/usr/bin/python3' } }));
    assert.equal(resolution.source, 'interpreter');
    assert.match(resolution.reason, /is Python 3\.9\.0; the bundled server needs Python 3\.10 or newer/);
    assert.match(resolution.hint, /Python 3\.10 or newer/);
  });

  test('integrityLsp.interpreter that cannot run says so', async () => {
    const resolution = await failure(machine({ interpreter: ['/nope/python'] }));
    assert.equal(resolution.source, 'interpreter');
    assert.match(resolution.reason, /cannot be run: \/nope\/python \(No such file or directory\)/);
  });

  test('no Python anywhere: the message asks for Python 3.10+, not for a pip install', async () => {
    const resolution = await failure(machine({ pythonExtension: undefined, onPath: { 'integrity-lsp': '/usr/bin/integrity-lsp' } }));
    assert.equal(resolution.source, 'none');
    assert.match(resolution.reason, /no Python interpreter was found to run the bundled server/);
    assert.match(resolution.hint, /Install Python 3\.10 or newer/);
  });

  test('only old Pythons: the ones tried are named', async () => {
    const resolution = await failure(
      machine({ pythonExtension: ['/venv/bin/python'], interpreters: { '/venv/bin/python': py('3.7.1'), '/usr/bin/python3': py('3.9.2') }, onPath: { python3: '/usr/bin/python3' } }),
    );
    assert.equal(resolution.source, 'python-extension');
    assert.match(resolution.reason, /no Python 3\.10 or newer was found to run the bundled server \(tried \/venv\/bin\/python, \/usr\/bin\/python3\)/);
  });

  test('the minimum Python comes from the bundle', async () => {
    const resolution = await failure(
      machine({ bundle: { launcher: LAUNCHER, minPython: [3, 12] }, onPath: { python3: '/usr/bin/python3' }, interpreters: { '/usr/bin/python3': py('3.11.2') } }),
    );
    assert.match(resolution.reason, /no Python 3\.12 or newer/);
  });

  test("untrusted workspace: the Python extension's interpreter is neither asked for nor run", async () => {
    const inputs = machine({
      trusted: false,
      pythonExtension: ['/work/proj/.venv/bin/python'],
      interpreters: { '/work/proj/.venv/bin/python': py('3.12.0'), '/usr/bin/python3': py('3.11.2') },
      onPath: { python3: '/usr/bin/python3' },
    });
    const resolution = await success(inputs);
    assert.equal(resolution.command.command, '/usr/bin/python3');
    assert.equal(resolution.command.python, '/usr/bin/python3');
    assert.equal(resolution.command.usesPythonExtension, false);
    assert.equal(inputs.askedPythonExtension(), 0);
    assert.deepEqual(inputs.probed, [['/usr/bin/python3']]);
    assert.match(resolution.notes.join('\n'), /untrusted workspace/);
  });

  test('a failing Python extension API is noted and PATH is still tried', async () => {
    const resolution = await success(
      machine({ pythonExtension: new Error('boom'), onPath: { python3: '/usr/bin/python3' }, interpreters: { '/usr/bin/python3': py('3.11.2') } }),
    );
    assert.equal(resolution.command.source, 'PATH');
    assert.match(resolution.notes.join('\n'), /boom/);
  });

  test('a build without the bundle looks in the environment instead, with a note', async () => {
    const resolution = await success(
      machine({ bundle: null, pythonExtension: ['/venv/bin/python'], interpreters: { '/venv/bin/python': py('3.12.0', { server: true }) } }),
    );
    assert.deepEqual(resolution.command.args, ['-m', 'integrity_lsp', 'serve']);
    assert.equal(resolution.command.bundled, false);
    assert.match(resolution.notes.join('\n'), /no bundled server/);
  });

  test('an unknown importStrategy is noted and the default used', async () => {
    const resolution = await success(machine({ importStrategy: 'bundled', onPath: { python3: '/usr/bin/python3' }, interpreters: { '/usr/bin/python3': py('3.12.0') } }));
    assert.equal(resolution.command.bundled, true);
    assert.match(resolution.notes.join('\n'), /unknown value "bundled", using useBundled/);
  });
});

describe('importStrategy fromEnvironment', () => {
  const fromEnvironment = 'fromEnvironment';

  test("the Python extension's interpreter with integrity-lsp installed: -m integrity_lsp serve", async () => {
    const resolution = await success(
      machine({
        importStrategy: fromEnvironment,
        pythonExtension: ['/work/proj/.venv/bin/python'],
        interpreters: { '/work/proj/.venv/bin/python': py('3.12.0', { server: true }) },
        onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp' },
      }),
    );
    assert.deepEqual(resolution.command, {
      command: '/work/proj/.venv/bin/python',
      args: ['-m', 'integrity_lsp', 'serve'],
      source: 'python-extension',
      bundled: false,
      interpreter: ['/work/proj/.venv/bin/python'],
      python: '/work/proj/.venv/bin/python',
      usesPythonExtension: true,
    });
  });

  test('integrityLsp.interpreter with integrity-lsp installed, extra arguments first', async () => {
    const resolution = await success(
      machine({
        importStrategy: fromEnvironment,
        interpreter: ['${workspaceFolder}/.venv/bin/python', '-X', 'utf8'],
        interpreters: { '/work/proj/.venv/bin/python': py('3.10.0', { server: true }) },
      }),
    );
    assert.equal(resolution.command.command, '/work/proj/.venv/bin/python');
    assert.deepEqual(resolution.command.args, ['-X', 'utf8', '-m', 'integrity_lsp', 'serve']);
    assert.equal(resolution.command.source, 'interpreter');
  });

  test('not installed there: integrity-lsp on PATH, with the project interpreter as `python`', async () => {
    const resolution = await success(
      machine({
        importStrategy: fromEnvironment,
        pythonExtension: ['/work/proj/.venv/bin/python'],
        interpreters: { '/work/proj/.venv/bin/python': py('3.12.0') },
        onPath: { 'integrity-lsp': '/home/dev/.local/bin/integrity-lsp' },
      }),
    );
    assert.equal(resolution.command.command, '/home/dev/.local/bin/integrity-lsp');
    assert.deepEqual(resolution.command.args, ['serve']);
    assert.equal(resolution.command.source, 'PATH');
    assert.equal(resolution.command.python, '/work/proj/.venv/bin/python');
    assert.match(resolution.notes.join('\n'), /not installed in the Python extension's interpreter/);
  });

  test('not in the environment at all: falls back to the bundled server with the same interpreter', async () => {
    const resolution = await success(
      machine({
        importStrategy: fromEnvironment,
        interpreter: ['/work/proj/.venv/bin/python'],
        interpreters: { '/work/proj/.venv/bin/python': py('3.12.0') },
      }),
    );
    assert.equal(resolution.command.bundled, true);
    assert.deepEqual(resolution.command.args, [LAUNCHER, 'serve']);
    assert.equal(resolution.command.source, 'interpreter');
    assert.match(resolution.notes.join('\n'), /using the server bundled with the extension/);
  });

  test('no bundle and nothing installed: the hint says how to install from a clone or a wheel', async () => {
    const resolution = await failure(
      machine({
        importStrategy: fromEnvironment,
        bundle: null,
        pythonExtension: ['/work/my proj/.venv/bin/python'],
        interpreters: { '/work/my proj/.venv/bin/python': py('3.12.0') },
      }),
    );
    assert.equal(resolution.source, 'python-extension');
    assert.match(resolution.reason, /not installed in the Python extension's interpreter .* and `integrity-lsp` is not on PATH/);
    assert.match(resolution.hint, /"\/work\/my proj\/\.venv\/bin\/python" -m pip install \/path\/to\/integrity-lsp/);
    assert.match(resolution.hint, /integrity_lsp-<version>-py3-none-any\.whl/);
  });

  test('integrityLsp.interpreter that cannot run is an error', async () => {
    const resolution = await failure(machine({ importStrategy: fromEnvironment, interpreter: ['/nope/python'], onPath: { 'integrity-lsp': '/usr/bin/integrity-lsp' } }));
    assert.equal(resolution.source, 'interpreter');
    assert.match(resolution.reason, /cannot be run/);
  });
});

describe('integrityLsp.path', () => {
  test('wins over both strategies: the first entry that exists, started with "serve"', async () => {
    for (const importStrategy of ['useBundled', 'fromEnvironment']) {
      const inputs = machine({
        importStrategy,
        path: ['/missing/integrity-lsp', '${workspaceFolder}/.venv/bin/integrity-lsp', '/other/integrity-lsp'],
        files: ['/work/proj/.venv/bin/integrity-lsp', '/other/integrity-lsp'],
        interpreter: ['/usr/bin/python3'],
        interpreters: { '/usr/bin/python3': py('3.12.0', { server: true }) },
        pythonExtension: ['/venv/bin/python'],
      });
      const resolution = await success(inputs);
      assert.deepEqual(resolution.command, {
        command: '/work/proj/.venv/bin/integrity-lsp',
        args: ['serve'],
        source: 'path',
        bundled: false,
        python: '/usr/bin/python3',
        usesPythonExtension: false,
      });
      assert.match(resolution.notes.join('\n'), /\/missing\/integrity-lsp does not exist/);
      assert.equal(inputs.probed.length, 0, 'nothing is run to choose an executable');
      assert.equal(inputs.askedPythonExtension(), 0);
    }
  });

  test("`python` is the Python extension's interpreter when no interpreter is set (asked, not run)", async () => {
    const inputs = machine({ path: ['/bin/integrity-lsp'], files: ['/bin/integrity-lsp'], pythonExtension: ['/venv/bin/python'] });
    const resolution = await success(inputs);
    assert.equal(resolution.command.python, '/venv/bin/python');
    assert.equal(resolution.command.usesPythonExtension, true);
    assert.deepEqual(inputs.probed, []);
  });

  test('a bare name in integrityLsp.path is looked up on PATH', async () => {
    const resolution = await success(machine({ path: ['integrity-lsp'], onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp' } }));
    assert.equal(resolution.command.command, '/usr/local/bin/integrity-lsp');
  });

  test('integrityLsp.path that matches nothing is an error, not a silent fallback', async () => {
    const resolution = await failure(machine({ path: ['~/bin/integrity-lsp'], onPath: { 'integrity-lsp': '/usr/local/bin/integrity-lsp' } }));
    assert.equal(resolution.source, 'path');
    assert.match(resolution.reason, /\/home\/dev\/bin\/integrity-lsp/);
    assert.match(resolution.hint, /Clear integrityLsp\.path to use the server bundled with the extension/);
  });

  test('empty strings in the settings count as unset', async () => {
    const resolution = await success(
      machine({ path: [''], interpreter: [' '], pythonExtension: undefined, onPath: { python3: '/usr/bin/python3' }, interpreters: { '/usr/bin/python3': py('3.12.0') } }),
    );
    assert.equal(resolution.command.source, 'PATH');
    assert.equal(resolution.command.bundled, true);
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

  test('quoteCommand', () => {
    assert.equal(quoteCommand(['/a b/python', '-X', 'utf8']), '"/a b/python" -X utf8');
  });

  test('installHint names a clone or a wheel, never PyPI', () => {
    const hint = installHint(['/venv/bin/python']);
    assert.match(hint, /useBundled/);
    assert.match(hint, /`\/venv\/bin\/python -m pip install \/path\/to\/integrity-lsp`/);
    assert.doesNotMatch(hint, /pip install integrity-lsp/);
    assert.match(installHint(undefined), /`python -m pip install/);
  });

  test('compareVersions', () => {
    assert.ok(compareVersions([3, 9, 18], [3, 10]) < 0);
    assert.equal(compareVersions([3, 10, 0], [3, 10]), 0);
    assert.ok(compareVersions([3, 13, 0], [3, 10]) > 0);
    assert.ok(compareVersions([4, 0, 0], [3, 10]) > 0);
  });

  test('toImportStrategy', () => {
    assert.equal(toImportStrategy(undefined), 'useBundled');
    assert.equal(toImportStrategy('fromEnvironment'), 'fromEnvironment');
    const notes: string[] = [];
    assert.equal(toImportStrategy(42, notes), 'useBundled');
    assert.equal(notes.length, 1);
  });
});
