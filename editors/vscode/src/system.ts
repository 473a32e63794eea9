// The real look-ups behind resolveServerCommand: PATH search, executable check and the
// "is integrity_lsp importable" probe. Node only (no `vscode`), so they are tested directly.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { ModuleProbe } from './serverCommand';

export function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on `PATH` (with `PATHEXT` on Windows), like `which`. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const directories = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((entry) => entry !== '');
  const extensions = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const directory of directories) {
    for (const extension of extensions) {
      const candidate = path.join(directory, name + extension);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * Runs `interpreter -c …` to find out whether `module` can be imported, without importing it
 * (`importlib.util.find_spec` on a top-level name loads nothing from the package).
 */
export function probeModule(interpreter: readonly string[], module: string, timeoutMs = 20000, cwd?: string): Promise<ModuleProbe> {
  const code = `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(${JSON.stringify(module)}) else 3)`;
  return new Promise((resolve) => {
    execFile(interpreter[0], [...interpreter.slice(1), '-c', code], { timeout: timeoutMs, cwd, windowsHide: true }, (error) => {
      if (error === null) {
        resolve('installed');
      } else if (typeof error.code === 'number' && error.code === 3) {
        resolve('not-installed');
      } else {
        resolve('missing-interpreter');
      }
    });
  });
}
