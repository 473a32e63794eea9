import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import {
  answerConfigurationItem,
  CLIENT_ONLY_KEYS,
  CLIENT_SECTION,
  effectiveTrace,
  initializationOptions,
  levelOfLine,
  LOG_LEVELS,
  logs,
  needsRestart,
  SERVER_SECTION,
  SETTING_KEYS,
  toLogLevel,
  toServerSettings,
} from '../settings';
import { IMPORT_STRATEGIES } from '../serverCommand';

const packageJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default: unknown; enum?: unknown[]; scope?: string }> } };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
};
const properties = packageJson.contributes.configuration.properties;

/** What VS Code's WorkspaceConfiguration.get gives when the user set nothing: the declared defaults. */
function defaults(): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    result[key.slice(CLIENT_SECTION.length + 1)] = schema.default;
  }
  return result;
}

describe('toServerSettings', () => {
  test('maps every camelCase key to the kebab-case key of [tool.integrity-lsp]', () => {
    const settings = toServerSettings({
      select: ['IL1', 'IL201'],
      ignore: ['IL104'],
      perFileIgnores: { '*/tests/*': ['IL2'] },
      exclude: ['legacy/'],
      severity: { IL104: 'info' },
      handlerDecorators: ['myapp.decorators.endpoint'],
      handlerBaseClasses: ['myapp.views.BaseAPIView'],
      atomicRequests: true,
      djangoVersion: '5.2',
      settingsModule: 'config.settings.prod',
      migrationsSince: 'origin/main',
    });
    assert.deepEqual(settings, {
      select: ['IL1', 'IL201'],
      ignore: ['IL104'],
      'per-file-ignores': { '*/tests/*': ['IL2'] },
      exclude: ['legacy/'],
      severity: { IL104: 'info' },
      'handler-decorators': ['myapp.decorators.endpoint'],
      'handler-base-classes': ['myapp.views.BaseAPIView'],
      'atomic-requests': true,
      'django-version': '5.2',
      'settings-module': 'config.settings.prod',
      'migrations-since': 'origin/main',
    });
  });

  test('migrationsSince: auto, all or a git ref is sent as migrations-since, trimmed; empty is not set', () => {
    for (const value of ['auto', 'all', 'origin/main', 'v2.0']) {
      assert.deepEqual(toServerSettings({ migrationsSince: value }), { 'migrations-since': value }, value);
    }
    assert.deepEqual(toServerSettings({ migrationsSince: '  origin/main ' }), { 'migrations-since': 'origin/main' });
    assert.deepEqual(toServerSettings({ migrationsSince: '' }), {});
    assert.deepEqual(toServerSettings({ migrationsSince: '   ' }), {});
    // the server validates it: a value git cannot use is passed through for it to report
    assert.deepEqual(toServerSettings({ migrationsSince: '--output=x' }), { 'migrations-since': '--output=x' });
  });

  test('the declared defaults mean "not set": nothing is sent, pyproject.toml decides', () => {
    assert.deepEqual(toServerSettings(defaults()), {});
  });

  test('drops unset values: undefined, null, empty strings, lists and tables', () => {
    const settings = toServerSettings({
      select: [],
      ignore: undefined,
      perFileIgnores: {},
      severity: null,
      atomicRequests: null,
      djangoVersion: '   ',
      settingsModule: '',
      migrationsSince: undefined,
    });
    assert.deepEqual(settings, {});
  });

  test('atomicRequests false is a value, not "unset"', () => {
    assert.deepEqual(toServerSettings({ atomicRequests: false }), { 'atomic-requests': false });
  });

  test('djangoVersion written as a number in settings.json becomes a string; strings are trimmed', () => {
    assert.deepEqual(toServerSettings({ djangoVersion: 5.2, settingsModule: ' config.settings ' }), {
      'django-version': '5.2',
      'settings-module': 'config.settings',
    });
  });

  test('client-only settings (enable, importStrategy, interpreter, path, logLevel, trace) never reach the settings table', () => {
    const settings = toServerSettings({
      enable: false,
      importStrategy: 'fromEnvironment',
      interpreter: ['/venv/bin/python'],
      path: ['/bin/integrity-lsp'],
      logLevel: 'debug',
      'trace.server': 'verbose',
      select: ['IL1'],
    });
    assert.deepEqual(settings, { select: ['IL1'] });
  });

  test('reads through a WorkspaceConfiguration-like get() and copies what it returns', () => {
    const frozen = Object.freeze({ IL101: 'error' });
    const source = { get: (key: string) => ({ severity: frozen, select: ['IL1'] } as Record<string, unknown>)[key] };
    const settings = toServerSettings(source);
    assert.deepEqual(settings, { severity: { IL101: 'error' }, select: ['IL1'] });
    assert.notEqual(settings.severity, frozen);
  });

  test('bad values are passed through for the server to report', () => {
    assert.deepEqual(toServerSettings({ select: 'IL1', severity: { IL101: 'fatal' } }), {
      select: 'IL1',
      severity: { IL101: 'fatal' },
    });
  });
});

describe('package.json contributes a setting for every server key', () => {
  test('one integrityLsp.* property per mapped key, plus the client-only ones, and nothing else', () => {
    const declared = Object.keys(properties).sort();
    const expected = [...SETTING_KEYS.map(([client]) => client), ...CLIENT_ONLY_KEYS].map((key) => `${CLIENT_SECTION}.${key}`).sort();
    assert.deepEqual(declared, expected);
  });

  test('server keys are the eleven keys of [tool.integrity-lsp]', () => {
    assert.deepEqual(
      SETTING_KEYS.map(([, server]) => server),
      ['select', 'ignore', 'per-file-ignores', 'exclude', 'severity', 'handler-decorators', 'handler-base-classes', 'atomic-requests', 'django-version', 'settings-module', 'migrations-since'],
    );
  });
});

describe('answerConfigurationItem', () => {
  const settings = { select: ['IL1'], 'atomic-requests': false };

  test('the section "integrity-lsp" gets the whole table', () => {
    assert.equal(SERVER_SECTION, 'integrity-lsp');
    assert.deepEqual(answerConfigurationItem('integrity-lsp', settings), settings);
  });

  test('a dotted section gets one key, null when unset', () => {
    assert.deepEqual(answerConfigurationItem('integrity-lsp.select', settings), ['IL1']);
    assert.equal(answerConfigurationItem('integrity-lsp.atomic-requests', settings), false);
    assert.equal(answerConfigurationItem('integrity-lsp.exclude', settings), null);
  });

  test('other sections are not ours', () => {
    assert.equal(answerConfigurationItem('python', settings), undefined);
    assert.equal(answerConfigurationItem('integrity-lspx', settings), undefined);
    assert.equal(answerConfigurationItem(undefined, settings), undefined);
    assert.equal(answerConfigurationItem(null, settings), undefined);
  });
});

describe('needsRestart', () => {
  test('path, interpreter, importStrategy and logLevel restart the server; analysis settings and enable do not', () => {
    for (const key of ['path', 'interpreter', 'importStrategy', 'logLevel']) {
      assert.equal(needsRestart((changed) => changed === `integrityLsp.${key}`), true, key);
    }
    assert.equal(needsRestart((key) => key === 'integrityLsp.select'), false);
    assert.equal(needsRestart((key) => key === 'integrityLsp.enable'), false);
    assert.equal(needsRestart((key) => key === 'integrityLsp.trace.server'), false);
  });
});

describe('the extension settings in package.json', () => {
  test('importStrategy: useBundled (default) or fromEnvironment, as the pure code knows them', () => {
    const schema = properties['integrityLsp.importStrategy'];
    assert.deepEqual(schema.enum, [...IMPORT_STRATEGIES]);
    assert.equal(schema.default, 'useBundled');
  });

  test('logLevel lists the levels, default info', () => {
    const schema = properties['integrityLsp.logLevel'];
    assert.deepEqual(schema.enum, [...LOG_LEVELS]);
    assert.equal(schema.default, 'info');
  });

  test('enable is on by default and per folder (resource scope)', () => {
    assert.equal(properties['integrityLsp.enable'].default, true);
    assert.equal(properties['integrityLsp.enable'].scope, 'resource');
  });

  test('migrationsSince is a string, empty by default (pyproject.toml decides), per folder', () => {
    const schema = properties['integrityLsp.migrationsSince'] as { type?: string; default: unknown; scope?: string };
    assert.equal(schema.type, 'string');
    assert.equal(schema.default, '');
    assert.equal(schema.scope, 'resource');
    assert.deepEqual(answerConfigurationItem('integrity-lsp.migrations-since', toServerSettings({ migrationsSince: 'all' })), 'all');
    assert.equal(answerConfigurationItem('integrity-lsp.migrations-since', toServerSettings(defaults())), null);
  });

  test('path and interpreter stay restricted in untrusted workspaces', () => {
    assert.deepEqual(packageJson.capabilities.untrustedWorkspaces.restrictedConfigurations, ['integrityLsp.path', 'integrityLsp.interpreter']);
  });
});

describe('initializationOptions', () => {
  test('the settings table under "integrity-lsp", next to python and logLevel', () => {
    assert.deepEqual(initializationOptions({ select: ['IL1'] }, { python: '/venv/bin/python', logLevel: 'debug' }), {
      'integrity-lsp': { select: ['IL1'] },
      python: '/venv/bin/python',
      logLevel: 'debug',
    });
  });

  test('an unknown python is left out; an empty table is still sent', () => {
    assert.deepEqual(initializationOptions({}, { logLevel: 'info' }), { 'integrity-lsp': {}, logLevel: 'info' });
    assert.deepEqual(initializationOptions({}, { python: '', logLevel: 'info' }), { 'integrity-lsp': {}, logLevel: 'info' });
  });
});

describe('log levels', () => {
  test('toLogLevel keeps known levels and defaults to info', () => {
    assert.equal(toLogLevel('debug'), 'debug');
    assert.equal(toLogLevel('verbose'), 'info');
    assert.equal(toLogLevel(undefined), 'info');
  });

  test('logs: a message shows at its level and the noisier ones', () => {
    assert.equal(logs('error', 'error'), true);
    assert.equal(logs('error', 'warning'), false);
    assert.equal(logs('info', 'warning'), true);
    assert.equal(logs('info', 'debug'), false);
    assert.equal(logs('trace', 'debug'), true);
  });

  test('levelOfLine reads vscode-languageclient\'s prefixes; a bare line (type Log) is info', () => {
    assert.equal(levelOfLine('[Error - 10:00:00] boom'), 'error');
    assert.equal(levelOfLine('[Warn  - 10:00:00] hm'), 'warning');
    assert.equal(levelOfLine('[Info  - 10:00:00] ok'), 'info');
    assert.equal(levelOfLine('[Debug - 10:00:00] detail'), 'debug');
    assert.equal(levelOfLine('integrity-lsp: indexed 12 files'), 'info');
  });

  test('effectiveTrace: trace.server when set, messages for logLevel trace, else off', () => {
    assert.equal(effectiveTrace('verbose', 'error'), 'verbose');
    assert.equal(effectiveTrace('off', 'trace'), 'messages');
    assert.equal(effectiveTrace(undefined, 'trace'), 'messages');
    assert.equal(effectiveTrace('off', 'debug'), 'off');
  });
});
