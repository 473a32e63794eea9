// Mapping from VS Code's `integrityLsp.*` configuration to the server's settings: the keys of
// `[tool.integrity-lsp]` (kebab-case), sent as `initializationOptions` and as the answer to
// `workspace/configuration` for the section "integrity-lsp". Pure: no `vscode` import.

/** The section the server asks for in `workspace/configuration`. */
export const SERVER_SECTION = 'integrity-lsp';
/** The prefix of this extension's settings in VS Code. */
export const CLIENT_SECTION = 'integrityLsp';

/** VS Code key (under `integrityLsp.`) → server key, in the order of `[tool.integrity-lsp]`. */
export const SETTING_KEYS: ReadonlyArray<readonly [client: string, server: string]> = [
  ['select', 'select'],
  ['ignore', 'ignore'],
  ['perFileIgnores', 'per-file-ignores'],
  ['exclude', 'exclude'],
  ['severity', 'severity'],
  ['handlerDecorators', 'handler-decorators'],
  ['handlerBaseClasses', 'handler-base-classes'],
  ['atomicRequests', 'atomic-requests'],
  ['djangoVersion', 'django-version'],
  ['settingsModule', 'settings-module'],
  ['migrationsSince', 'migrations-since'],
];

/** Settings of the extension itself: never sent inside the server's settings table. */
export const CLIENT_ONLY_KEYS: readonly string[] = ['enable', 'importStrategy', 'interpreter', 'path', 'logLevel', 'trace.server'];

/** `integrityLsp.logLevel`, from the quietest. */
export const LOG_LEVELS = ['error', 'warning', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
/** The environment variable that carries `integrityLsp.logLevel` to the server process. */
export const LOG_LEVEL_ENV = 'INTEGRITY_LSP_LOG_LEVEL';

export type TraceSetting = 'off' | 'messages' | 'verbose';

export type ServerSettings = Record<string, unknown>;

/** Anything with VS Code's `WorkspaceConfiguration.get` shape (or a plain lookup). */
export interface ConfigurationSource {
  get(key: string): unknown;
}

/**
 * The server settings for one VS Code configuration scope, with the settings that are not set
 * dropped so that `pyproject.toml` decides them: `undefined`/`null`, empty strings, empty lists
 * and empty tables all mean "not set here". Values are passed through otherwise (the server
 * validates them and reports bad ones), except that strings are trimmed and `djangoVersion`
 * given as a number (`5.2` in settings.json) becomes the string `"5.2"`.
 */
export function toServerSettings(config: ConfigurationSource | Record<string, unknown>): ServerSettings {
  const read = isSource(config) ? (key: string) => config.get(key) : (key: string) => config[key];
  const result: ServerSettings = {};
  for (const [clientKey, serverKey] of SETTING_KEYS) {
    const value = normalise(clientKey, read(clientKey));
    if (value !== undefined) {
      result[serverKey] = value;
    }
  }
  return result;
}

/**
 * The value to answer one `workspace/configuration` item with, or `undefined` when the item is
 * not ours (the caller then answers with VS Code's own configuration). `integrity-lsp` gives the
 * whole table; `integrity-lsp.select` one key (`null` when that key is not set).
 */
export function answerConfigurationItem(section: string | undefined | null, settings: ServerSettings): unknown {
  if (section === SERVER_SECTION) {
    return settings;
  }
  if (typeof section === 'string' && section.startsWith(SERVER_SECTION + '.')) {
    const key = section.slice(SERVER_SECTION.length + 1);
    return Object.prototype.hasOwnProperty.call(settings, key) ? settings[key] : null;
  }
  return undefined;
}

/** The keys whose change needs new server processes (a new command, environment or options). */
export const RESTART_KEYS: readonly string[] = ['path', 'interpreter', 'importStrategy', 'logLevel'];

/**
 * Whether a configuration change under these dotted keys needs a server restart.
 * (`integrityLsp.enable` starts or stops the servers of the folders concerned instead.)
 */
export function needsRestart(affects: (key: string) => boolean): boolean {
  return RESTART_KEYS.some((key) => affects(`${CLIENT_SECTION}.${key}`));
}

/**
 * `initializationOptions` for one server: the settings table under the section name (so a
 * server reads it exactly as the `workspace/configuration` answer), next to what the server
 * needs to know about its client: `python`, the path of the interpreter whose site-packages hold
 * the project's dependencies (for jedi; left out when unknown), and `logLevel`.
 */
export function initializationOptions(settings: ServerSettings, extra: { python?: string; logLevel: LogLevel }): Record<string, unknown> {
  const options: Record<string, unknown> = { [SERVER_SECTION]: settings };
  if (extra.python !== undefined && extra.python !== '') {
    options.python = extra.python;
  }
  options.logLevel = extra.logLevel;
  return options;
}

/** `integrityLsp.logLevel` as given, or the default for anything else. */
export function toLogLevel(value: unknown): LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : DEFAULT_LOG_LEVEL;
}

/** Whether a message of `level` is shown when the log level is `threshold`. */
export function logs(threshold: LogLevel, level: Exclude<LogLevel, 'trace'>): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold);
}

/**
 * The level of a line vscode-languageclient writes to the output channel: `[Error - 10:00:00] …`
 * for the server's `window/logMessage` of type Error, `[Warn  - …]`, `[Info  - …]`,
 * `[Debug - …]`; a bare line is a message of type Log, counted as `info`.
 */
export function levelOfLine(line: string): Exclude<LogLevel, 'trace'> {
  const match = /^\[(Error|Warn|Info|Debug|Trace)\s*-/.exec(line);
  switch (match?.[1]) {
    case 'Error':
      return 'error';
    case 'Warn':
      return 'warning';
    case 'Debug':
    case 'Trace':
      return 'debug';
    default:
      return 'info';
  }
}

/**
 * The message tracing to use: `integrityLsp.trace.server` when it is set, else `messages` for
 * the log level `trace` (which also logs the LSP traffic), else `off`.
 */
export function effectiveTrace(traceServer: unknown, logLevel: LogLevel): TraceSetting {
  if (traceServer === 'messages' || traceServer === 'verbose') {
    return traceServer;
  }
  return logLevel === 'trace' ? 'messages' : 'off';
}

function isSource(config: ConfigurationSource | Record<string, unknown>): config is ConfigurationSource {
  return typeof (config as ConfigurationSource).get === 'function';
}

function normalise(clientKey: string, value: unknown): unknown {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (clientKey === 'djangoVersion' && typeof value === 'number') {
    return String(value);
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? undefined : [...value];
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value;
}
