// The real look-ups behind resolveServerCommand: PATH search, executable check, the interpreter
// probe and the bundled server. Node only (no `vscode`), so they are tested directly.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Bundle, InterpreterProbe } from './serverCommand';

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

const PROBE_MARKER = 'INTEGRITY_LSP_PROBE ';

/**
 * The code run by probeInterpreter: prints the interpreter's executable, version and whether
 * `integrity_lsp` can be found (find_spec loads nothing from the package). Runs on any Python.
 */
export const PROBE_CODE = [
  'import json, sys',
  'try:',
  '    import importlib.util',
  `    server = importlib.util.find_spec("integrity_lsp") is not None`,
  'except Exception:',
  '    server = False',
  `print("${PROBE_MARKER}" + json.dumps({"executable": sys.executable, "version": list(sys.version_info[:3]), "server": server}))`,
].join('\n');

/** Runs `interpreter -c PROBE_CODE` (in `cwd`, as the server would be). */
export function probeInterpreter(interpreter: readonly string[], timeoutMs = 20000, cwd?: string): Promise<InterpreterProbe> {
  return new Promise((resolve) => {
    execFile(
      interpreter[0],
      [...interpreter.slice(1), '-c', PROBE_CODE],
      { timeout: timeoutMs, cwd, windowsHide: true, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        const parsed = parseProbeOutput(String(stdout));
        if (parsed !== undefined) {
          resolve(parsed);
          return;
        }
        const detail = error !== null ? lastLine(String(stderr)) || error.message : 'no answer from the interpreter';
        resolve({ kind: 'missing', detail });
      },
    );
  });
}

/** The probe's answer in the interpreter's output (wrappers such as `conda run` may add lines). */
export function parseProbeOutput(stdout: string): InterpreterProbe | undefined {
  for (const line of stdout.split(/\r?\n/).reverse()) {
    if (!line.startsWith(PROBE_MARKER)) {
      continue;
    }
    try {
      const value = JSON.parse(line.slice(PROBE_MARKER.length)) as { executable?: unknown; version?: unknown; server?: unknown };
      const version = value.version;
      if (
        typeof value.executable === 'string' &&
        Array.isArray(version) &&
        version.length === 3 &&
        version.every((part) => Number.isInteger(part)) &&
        typeof value.server === 'boolean'
      ) {
        return { kind: 'ok', executable: value.executable, version: [version[0], version[1], version[2]], hasServer: value.server };
      }
    } catch {
      // not our line after all
    }
  }
  return undefined;
}

/**
 * The server bundled in the extension folder: bundled/tool/server.py next to bundled/libs with
 * the integrity_lsp package; the oldest supported Python from bundled/bundle.json (3.10 when
 * absent). Undefined in a build without the bundle (e.g. straight from the sources).
 */
export function findBundle(extensionPath: string): Bundle | undefined {
  const bundled = path.join(extensionPath, 'bundled');
  const launcher = path.join(bundled, 'tool', 'server.py');
  if (!fs.existsSync(launcher) || !fs.existsSync(path.join(bundled, 'libs', 'integrity_lsp', '__init__.py'))) {
    return undefined;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(bundled, 'bundle.json'), 'utf8'));
  } catch {
    manifest = undefined;
  }
  return { launcher, minPython: parseMinPython((manifest as { minPython?: unknown } | undefined)?.minPython) };
}

/** `"3.10"` → `[3, 10]`; anything else gives the default, 3.10. */
export function parseMinPython(value: unknown): readonly [number, number] {
  const match = typeof value === 'string' ? /^(\d+)\.(\d+)$/.exec(value.trim()) : null;
  return match !== null ? [Number(match[1]), Number(match[2])] : [3, 10];
}

function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  return lines[lines.length - 1] ?? '';
}
