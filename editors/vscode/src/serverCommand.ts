// Choosing the command that starts `integrity-lsp serve`. Pure apart from the injected
// look-ups, so it is tested without VS Code (and without spawning anything).

export const SERVER_MODULE = 'integrity_lsp';
export const SERVER_EXECUTABLE = 'integrity-lsp';
export const SERVE_ARGS: readonly string[] = ['serve'];
export const INSTALL_PACKAGE = 'integrity-lsp';

export type CommandSource = 'path' | 'interpreter' | 'python-extension' | 'PATH';

export interface ServerCommand {
  command: string;
  args: string[];
  source: CommandSource;
  /** The interpreter command (`[python, ...args]`) when the server runs as `python -m integrity_lsp`. */
  interpreter?: string[];
}

export interface StartFailure {
  /** What went wrong, for a person. */
  reason: string;
  /** A shell command that installs the server where it was looked for. */
  installCommand: string;
  source: CommandSource | 'none';
}

export type Resolution = { ok: true; command: ServerCommand; notes: string[] } | ({ ok: false; notes: string[] } & StartFailure);

/** Whether `python -c "import …"`-style probing found the module: `missing-interpreter` when it could not run at all. */
export type ModuleProbe = 'installed' | 'not-installed' | 'missing-interpreter';

export interface ResolveInputs {
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
  /** Whether `interpreter` can import the server module. */
  probe: (interpreter: string[]) => Promise<ModuleProbe>;
  /** Values for `${workspaceFolder}`, `${userHome}` and `~`. */
  variables: { workspaceFolder?: string; userHome?: string };
  /**
   * False in an untrusted workspace: the Python extension's interpreter (which may live inside
   * the workspace) is not run. `integrityLsp.path` / `interpreter` are then only user values
   * (VS Code drops workspace values of restricted settings by itself).
   */
  trusted: boolean;
}

/**
 * The server command, chosen in this order: `integrityLsp.path` (first entry that exists),
 * `integrityLsp.interpreter` + `-m integrity_lsp serve`, the Python extension's interpreter
 * + `-m integrity_lsp serve` (when integrity-lsp is installed in it), `integrity-lsp` on PATH.
 * An explicit setting that does not work is an error rather than a silent fallback.
 */
export async function resolveServerCommand(inputs: ResolveInputs): Promise<Resolution> {
  const notes: string[] = [];
  const expand = (value: string) => expandVariables(value, inputs.variables);

  const paths = inputs.path.map(expand).filter((entry) => entry !== '');
  if (paths.length > 0) {
    for (const candidate of paths) {
      const found = locateExecutable(candidate, inputs);
      if (found !== undefined) {
        return { ok: true, command: { command: found, args: [...SERVE_ARGS], source: 'path' }, notes };
      }
      notes.push(`integrityLsp.path: ${candidate} does not exist or is not executable`);
    }
    return {
      ok: false,
      notes,
      source: 'path',
      reason: `none of the executables in integrityLsp.path exists: ${paths.join(', ')}`,
      installCommand: `pip install ${INSTALL_PACKAGE}`,
    };
  }

  const interpreter = inputs.interpreter.map(expand).filter((entry) => entry !== '');
  if (interpreter.length > 0) {
    const probe = await inputs.probe(interpreter);
    if (probe === 'installed') {
      return { ok: true, command: moduleCommand(interpreter, 'interpreter'), notes };
    }
    return {
      ok: false,
      notes,
      source: 'interpreter',
      reason:
        probe === 'missing-interpreter'
          ? `the interpreter in integrityLsp.interpreter cannot be run: ${quoteCommand(interpreter)}`
          : `integrity-lsp is not installed in the interpreter set in integrityLsp.interpreter (${quoteCommand(interpreter)})`,
      installCommand: pipInstall(interpreter),
    };
  }

  let chosen: string[] | undefined;
  if (!inputs.trusted) {
    notes.push('untrusted workspace: the Python extension\'s interpreter is not used');
  } else {
    try {
      chosen = (await inputs.pythonExtensionInterpreter())?.filter((entry) => entry !== '');
    } catch (error) {
      notes.push(`could not ask the Python extension for its interpreter: ${String(error)}`);
    }
  }
  if (chosen !== undefined && chosen.length > 0) {
    const probe = await inputs.probe(chosen);
    if (probe === 'installed') {
      return { ok: true, command: moduleCommand(chosen, 'python-extension'), notes };
    }
    notes.push(
      probe === 'missing-interpreter'
        ? `the Python extension's interpreter cannot be run: ${quoteCommand(chosen)}`
        : `integrity-lsp is not installed in the Python extension's interpreter (${quoteCommand(chosen)})`,
    );
  }

  const onPath = inputs.which(SERVER_EXECUTABLE);
  if (onPath !== undefined) {
    return { ok: true, command: { command: onPath, args: [...SERVE_ARGS], source: 'PATH' }, notes };
  }

  if (chosen !== undefined && chosen.length > 0) {
    return {
      ok: false,
      notes,
      source: 'python-extension',
      reason: `integrity-lsp is not installed in the selected interpreter (${quoteCommand(chosen)}) and \`${SERVER_EXECUTABLE}\` is not on PATH`,
      installCommand: pipInstall(chosen),
    };
  }
  return {
    ok: false,
    notes,
    source: 'none',
    reason: `\`${SERVER_EXECUTABLE}\` is not on PATH and no Python interpreter is selected`,
    installCommand: `pip install ${INSTALL_PACKAGE}`,
  };
}

/** `python -m integrity_lsp serve`, with any extra interpreter arguments kept in front. */
export function moduleCommand(interpreter: readonly string[], source: CommandSource): ServerCommand {
  return {
    command: interpreter[0],
    args: [...interpreter.slice(1), '-m', SERVER_MODULE, ...SERVE_ARGS],
    source,
    interpreter: [...interpreter],
  };
}

/** The install command for an interpreter command, e.g. `/venv/bin/python -m pip install integrity-lsp`. */
export function pipInstall(interpreter: readonly string[]): string {
  return `${quoteCommand(interpreter)} -m pip install ${INSTALL_PACKAGE}`;
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

function locateExecutable(candidate: string, inputs: Pick<ResolveInputs, 'which' | 'isExecutable'>): string | undefined {
  if (candidate.includes('/') || candidate.includes('\\')) {
    return inputs.isExecutable(candidate) ? candidate : undefined;
  }
  return inputs.which(candidate);
}
