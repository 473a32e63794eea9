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
];

/** Settings of the extension itself: never sent to the server. */
export const CLIENT_ONLY_KEYS: readonly string[] = ['interpreter', 'path', 'trace.server'];

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

/** Whether a configuration change under these dotted keys needs a server restart. */
export function needsRestart(affects: (key: string) => boolean): boolean {
  return affects(`${CLIENT_SECTION}.path`) || affects(`${CLIENT_SECTION}.interpreter`);
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
