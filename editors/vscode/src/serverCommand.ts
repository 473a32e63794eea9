// Choosing the command that starts `integrity-lsp serve`. Pure apart from the injected
// look-ups, so it is tested without VS Code (and without spawning anything).
//
// `integrityLsp.importStrategy` follows the Python-tools extension convention
// (microsoft/vscode-python-tools-extension-template, ruff-vscode):
// - `useBundled` (default): the server shipped inside the extension (bundled/libs, started by
//   bundled/tool/server.py) run by the user's Python: `integrityLsp.interpreter`, else the
//   interpreter selected in the Python extension, else python3/python on PATH;
// - `fromEnvironment`: `python -m integrity_lsp serve` in that interpreter, else `integrity-lsp`
//   on PATH; when neither has it, the bundled server (with a note in the log).
// `integrityLsp.path` (explicit executables) wins over both, as `ruff.path` does.

export const SERVER_MODULE = 'integrity_lsp';
export const SERVER_EXECUTABLE = 'integrity-lsp';
export const SERVE_ARGS: readonly string[] = ['serve'];
/** Names tried on PATH for a Python to run the bundled server, when no interpreter is chosen. */
export const PYTHON_NAMES: readonly string[] = ['python3', 'python'];

export const IMPORT_STRATEGIES = ['useBundled', 'fromEnvironment'] as const;
export type ImportStrategy = (typeof IMPORT_STRATEGIES)[number];
export const DEFAULT_IMPORT_STRATEGY: ImportStrategy = 'useBundled';

/** Where the executable, or the interpreter that runs the server, came from. */
export type CommandSource = 'path' | 'interpreter' | 'python-extension' | 'PATH';

export interface ServerCommand {
  command: string;
  args: string[];
  source: CommandSource;
  /** Whether this runs the server bundled with the extension (bundled/tool/server.py). */
  bundled: boolean;
  /** The interpreter command (`[python, ...args]`) when a Python runs the server. */
  interpreter?: string[];
  /**
   * The project's interpreter (a path): the one whose site-packages hold the project's
   * dependencies, sent to the server as `initializationOptions.python` for jedi.
   */
  python?: string;
  /** Whether the Python extension's interpreter was asked for: its change restarts the server. */
  usesPythonExtension: boolean;
}

/** The server bundled with the extension, when this build has one. */
export interface Bundle {
  /** Absolute path of bundled/tool/server.py. */
  launcher: string;
  /** The oldest Python the bundled server runs on. */
  minPython: readonly [number, number];
}

/** What running `python -c …` told about an interpreter. */
export type InterpreterProbe =
  | { kind: 'ok'; executable: string; version: readonly [number, number, number]; hasServer: boolean }
  | { kind: 'missing'; detail?: string };

export interface StartFailure {
  /** What went wrong, for a person. */
  reason: string;
  /** What to do about it, for a person (never `pip install integrity-lsp`: it is not on PyPI). */
  hint: string;
  source: CommandSource | 'none';
}

export type Resolution = { ok: true; command: ServerCommand; notes: string[] } | ({ ok: false; notes: string[] } & StartFailure);

export interface ResolveInputs {
  /** `integrityLsp.importStrategy` (anything else than the two values counts as the default). */
  importStrategy: unknown;
  /** The bundled server, or undefined in a build without one. */
  bundle: Bundle | undefined;
  /** `integrityLsp.path`. */
  path: readonly string[];
  /** `integrityLsp.interpreter`. */
  interpreter: readonly string[];
  /** The interpreter chosen in the Python extension (a command, usually one item), if any. */
  pythonExtensionInterpreter: () => Promise<string[] | undefined>;
  /** Absolute path of an executable named `name` on PATH, if there is one. */
  which: (name: string) => string | undefined;
  /** Whether a file exists and can be executed. */
  isExecutable: (file: string) => boolean;
  /** Runs the interpreter to learn its executable, version and whether it has integrity_lsp. */
  probe: (interpreter: string[]) => Promise<InterpreterProbe>;
  /** Values for `${workspaceFolder}`, `${userHome}` and `~`. */
  variables: { workspaceFolder?: string; userHome?: string };
  /**
   * False in an untrusted workspace: the Python extension's interpreter (which may live inside
   * the workspace) is neither asked for nor run. `integrityLsp.path` / `interpreter` are then only
   * user values (VS Code drops workspace values of restricted settings by itself).
   */
  trusted: boolean;
}

interface Candidate {
  command: string[];
  source: CommandSource;
}

const DESCRIBE: Record<CommandSource, string> = {
  path: 'integrityLsp.path',
  interpreter: 'the interpreter set in integrityLsp.interpreter',
  'python-extension': "the Python extension's interpreter",
  PATH: 'PATH',
};

/** The value of `integrityLsp.importStrategy`, with a note for a value that is not one. */
export function toImportStrategy(value: unknown, notes?: string[]): ImportStrategy {
  if (value === undefined || value === null || value === '') {
    return DEFAULT_IMPORT_STRATEGY;
  }
  if (typeof value === 'string' && (IMPORT_STRATEGIES as readonly string[]).includes(value)) {
    return value as ImportStrategy;
  }
  notes?.push(`integrityLsp.importStrategy: unknown value ${JSON.stringify(value)}, using ${DEFAULT_IMPORT_STRATEGY}`);
  return DEFAULT_IMPORT_STRATEGY;
}

/** Chooses the server command (see the top of this file for the order). */
export async function resolveServerCommand(inputs: ResolveInputs): Promise<Resolution> {
  const notes: string[] = [];
  const expand = (value: string) => expandVariables(value, inputs.variables);
  let strategy = toImportStrategy(inputs.importStrategy, notes);
  const probes = new Map<string, Promise<InterpreterProbe>>();
  const probe = (command: string[]) => {
    const key = JSON.stringify(command);
    let result = probes.get(key);
    if (result === undefined) {
      result = inputs.probe(command);
      probes.set(key, result);
    }
    return result;
  };

  // The project's interpreter: integrityLsp.interpreter, else the Python extension's (trusted only).
  let project: Candidate | undefined;
  const setting = inputs.interpreter.map(expand).filter((entry) => entry !== '');
  const usesPythonExtension = setting.length === 0 && inputs.trusted;
  if (setting.length > 0) {
    project = { command: setting, source: 'interpreter' };
  } else if (!inputs.trusted) {
    notes.push("untrusted workspace: the Python extension's interpreter is not used");
  } else {
    try {
      const chosen = (await inputs.pythonExtensionInterpreter())?.filter((entry) => entry !== '');
      if (chosen !== undefined && chosen.length > 0) {
        project = { command: chosen, source: 'python-extension' };
      }
    } catch (error) {
      notes.push(`could not ask the Python extension for its interpreter: ${String(error)}`);
    }
  }
  /** The project's interpreter as a path, without running it (for commands that do not run it). */
  const projectPath = (): string | undefined => {
    if (project === undefined || project.command.length !== 1) {
      return undefined;
    }
    const [single] = project.command;
    return isPathLike(single) ? single : inputs.which(single);
  };
  const ok = (command: Omit<ServerCommand, 'usesPythonExtension'>): Resolution => ({
    ok: true,
    command: { ...command, usesPythonExtension },
    notes,
  });

  // 1. integrityLsp.path: explicit executables, whatever the import strategy.
  const paths = inputs.path.map(expand).filter((entry) => entry !== '');
  if (paths.length > 0) {
    for (const candidate of paths) {
      const found = locateExecutable(candidate, inputs);
      if (found !== undefined) {
        return ok({ command: found, args: [...SERVE_ARGS], source: 'path', bundled: false, python: projectPath() });
      }
      notes.push(`integrityLsp.path: ${candidate} does not exist or is not executable`);
    }
    return {
      ok: false,
      notes,
      source: 'path',
      reason: `none of the executables in integrityLsp.path exists: ${paths.join(', ')}`,
      hint:
        inputs.bundle !== undefined
          ? 'Clear integrityLsp.path to use the server bundled with the extension, or point it at an integrity-lsp executable.'
          : 'Point integrityLsp.path at an integrity-lsp executable. ' + installHint(undefined),
    };
  }

  if (strategy === 'useBundled' && inputs.bundle === undefined) {
    notes.push('this build of the extension has no bundled server: looking for one in the environment (as with importStrategy fromEnvironment)');
    strategy = 'fromEnvironment';
  }

  // 2. fromEnvironment: integrity_lsp installed in the project's interpreter, or on PATH.
  if (strategy === 'fromEnvironment') {
    if (project !== undefined) {
      const found = await probe(project.command);
      if (found.kind === 'ok' && found.hasServer) {
        return ok({ ...moduleCommand(project.command, project.source), python: found.executable || projectPath() });
      }
      if (found.kind === 'missing' && project.source === 'interpreter') {
        return {
          ok: false,
          notes,
          source: 'interpreter',
          reason: `the interpreter in integrityLsp.interpreter cannot be run: ${quoteCommand(project.command)}${found.detail ? ` (${found.detail})` : ''}`,
          hint: 'Point integrityLsp.interpreter at a Python interpreter, or clear it.',
        };
      }
      notes.push(
        found.kind === 'missing'
          ? `${DESCRIBE[project.source]} cannot be run: ${quoteCommand(project.command)}`
          : `integrity-lsp is not installed in ${DESCRIBE[project.source]} (${quoteCommand(project.command)})`,
      );
    }
    const onPath = inputs.which(SERVER_EXECUTABLE);
    if (onPath !== undefined) {
      return ok({ command: onPath, args: [...SERVE_ARGS], source: 'PATH', bundled: false, python: await knownPython(project, probe, projectPath) });
    }
    if (inputs.bundle === undefined) {
      const where = project !== undefined ? `${DESCRIBE[project.source]} (${quoteCommand(project.command)})` : 'any selected interpreter';
      return {
        ok: false,
        notes,
        source: project?.source ?? 'none',
        reason: `integrity-lsp is not installed in ${where} and \`${SERVER_EXECUTABLE}\` is not on PATH`,
        hint: installHint(project?.command),
      };
    }
    notes.push('integrity-lsp was not found in the environment: using the server bundled with the extension');
  }

  // 3. The bundled server, run by the project's interpreter or a Python on PATH.
  const bundle = inputs.bundle as Bundle;
  const minimum = `${bundle.minPython[0]}.${bundle.minPython[1]}`;
  const runners: Candidate[] = project !== undefined ? [project] : [];
  if (project === undefined || project.source === 'python-extension') {
    const seen = new Set<string>();
    for (const name of PYTHON_NAMES) {
      const found = inputs.which(name);
      if (found !== undefined && !seen.has(found)) {
        seen.add(found);
        runners.push({ command: [found], source: 'PATH' });
      }
    }
  }
  let python: string | undefined;
  const tried: string[] = [];
  for (const runner of runners) {
    const found = await probe(runner.command);
    if (runner === project && found.kind === 'ok') {
      python = found.executable || projectPath();
    }
    tried.push(quoteCommand(runner.command));
    if (found.kind === 'missing') {
      if (runner.source === 'interpreter') {
        return {
          ok: false,
          notes,
          source: 'interpreter',
          reason: `the interpreter in integrityLsp.interpreter cannot be run: ${quoteCommand(runner.command)}${found.detail ? ` (${found.detail})` : ''}`,
          hint: 'Point integrityLsp.interpreter at a Python interpreter, or clear it.',
        };
      }
      notes.push(`${DESCRIBE[runner.source]} cannot be run: ${quoteCommand(runner.command)}`);
      continue;
    }
    if (compareVersions(found.version, bundle.minPython) < 0) {
      const version = found.version.join('.');
      if (runner.source === 'interpreter') {
        return {
          ok: false,
          notes,
          source: 'interpreter',
          reason: `the interpreter in integrityLsp.interpreter is Python ${version}; the bundled server needs Python ${minimum} or newer`,
          hint: `Point integrityLsp.interpreter at Python ${minimum} or newer.`,
        };
      }
      notes.push(`${DESCRIBE[runner.source]} (${quoteCommand(runner.command)}) is Python ${version}; the bundled server needs ${minimum} or newer`);
      continue;
    }
    return ok({
      command: runner.command[0],
      args: [...runner.command.slice(1), bundle.launcher, ...SERVE_ARGS],
      source: runner.source,
      bundled: true,
      interpreter: [...runner.command],
      // The project's interpreter when it runs, else (none chosen) the one running the server.
      python: project === undefined ? found.executable || runner.command[0] : python,
    });
  }
  return {
    ok: false,
    notes,
    source: project?.source ?? 'none',
    reason:
      tried.length > 0
        ? `no Python ${minimum} or newer was found to run the bundled server (tried ${tried.join(', ')})`
        : `no Python interpreter was found to run the bundled server (none selected, no ${PYTHON_NAMES.join('/')} on PATH)`,
    hint: `Install Python ${minimum} or newer, then select it with "Python: Select Interpreter" or set integrityLsp.interpreter.`,
  };
}

/** The project's interpreter as a path, probing it only when that is needed to know it. */
async function knownPython(
  project: Candidate | undefined,
  probe: (command: string[]) => Promise<InterpreterProbe>,
  projectPath: () => string | undefined,
): Promise<string | undefined> {
  if (project === undefined) {
    return undefined;
  }
  const direct = projectPath();
  if (direct !== undefined) {
    return direct;
  }
  const found = await probe(project.command);
  return found.kind === 'ok' && found.executable !== '' ? found.executable : undefined;
}

/**
 * How to get the server into an environment: integrity-lsp is not on PyPI, so from a clone or
 * a wheel built from one.
 */
export function installHint(interpreter: readonly string[] | undefined): string {
  const python = interpreter !== undefined && interpreter.length > 0 ? quoteCommand(interpreter) : 'python';
  return (
    'Use the server bundled with the extension (integrityLsp.importStrategy "useBundled"), or install integrity-lsp ' +
    `from a clone of its repository (\`${python} -m pip install /path/to/integrity-lsp\`) or from a wheel built there ` +
    `(\`${python} -m pip install integrity_lsp-<version>-py3-none-any.whl\`).`
  );
}

/** `python -m integrity_lsp serve`, with any extra interpreter arguments kept in front. */
export function moduleCommand(interpreter: readonly string[], source: CommandSource): Omit<ServerCommand, 'usesPythonExtension'> {
  return {
    command: interpreter[0],
    args: [...interpreter.slice(1), '-m', SERVER_MODULE, ...SERVE_ARGS],
    source,
    bundled: false,
    interpreter: [...interpreter],
  };
}

/** Negative when `version` is older than `minimum` (major, minor). */
export function compareVersions(version: readonly number[], minimum: readonly number[]): number {
  for (let index = 0; index < minimum.length; index += 1) {
    const difference = (version[index] ?? 0) - minimum[index];
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

/** `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`. Unknown variables stay as they are. */
export function expandVariables(
  value: string,
  variables: { workspaceFolder?: string; userHome?: string; env?: Record<string, string | undefined> },
): string {
  let result = value.trim();
  if (variables.userHome !== undefined && (result === '~' || result.startsWith('~/') || result.startsWith('~\\'))) {
    result = variables.userHome + result.slice(1);
  }
  return result.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name: string, envName?: string) => {
    if (name === 'workspaceFolder') {
      return variables.workspaceFolder ?? match;
    }
    if (name === 'userHome') {
      return variables.userHome ?? match;
    }
    const env = variables.env ?? process.env;
    return envName !== undefined && env[envName] !== undefined ? (env[envName] as string) : match;
  });
}

/** A command for display, quoting items that contain spaces. */
export function quoteCommand(command: readonly string[]): string {
  return command.map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part)).join(' ');
}

function isPathLike(value: string): boolean {
  return value.includes('/') || value.includes('\\');
}

function locateExecutable(candidate: string, inputs: Pick<ResolveInputs, 'which' | 'isExecutable'>): string | undefined {
  if (isPathLike(candidate)) {
    return inputs.isExecutable(candidate) ? candidate : undefined;
  }
  return inputs.which(candidate);
}
