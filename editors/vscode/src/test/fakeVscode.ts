// A stand-in for the `vscode` module, just enough for the bundled extension and
// vscode-languageclient to start a server over stdio and talk to it. Anything not modelled
// here is an "auto" value: callable, with every property another auto value, so that
// registrations and listeners the test does not care about are no-ops.

import * as path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

type Listener<T> = (value: T) => unknown;

function auto(): unknown {
  const target = function () {
    return undefined;
  };
  return new Proxy(target, {
    get: (_t, property) => {
      if (property === 'then') {
        return undefined; // not a thenable
      }
      if (property === 'dispose') {
        return () => undefined;
      }
      if (property === Symbol.toPrimitive) {
        return () => '';
      }
      return auto();
    },
    apply: () => disposable(),
  });
}

function disposable(): { dispose(): void } {
  return { dispose: () => undefined };
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
    private readonly text: string,
  ) {}
  static file(file: string): Uri {
    return new Uri('file', path.resolve(file), pathToFileURL(path.resolve(file)).href);
  }
  static parse(value: string): Uri {
    return value.startsWith('file:') ? Uri.file(fileURLToPath(value)) : new Uri(value.split(':')[0], value, value);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return this.text;
  }
  toJSON(): unknown {
    return this.text;
  }
  with(): Uri {
    return this;
  }
}

export class RelativePattern {
  readonly baseUri: Uri;
  constructor(
    base: Uri | { uri: Uri },
    readonly pattern: string,
  ) {
    this.baseUri = base instanceof Uri ? base : base.uri;
  }
}

/** Enough of vscode.CodeActionKind for vscode-languageclient to convert a server's kinds. */
export class CodeActionKind {
  static readonly Empty = new CodeActionKind('');
  static readonly QuickFix = new CodeActionKind('quickfix');
  static readonly Refactor = new CodeActionKind('refactor');
  static readonly RefactorExtract = new CodeActionKind('refactor.extract');
  static readonly RefactorInline = new CodeActionKind('refactor.inline');
  static readonly RefactorRewrite = new CodeActionKind('refactor.rewrite');
  static readonly Source = new CodeActionKind('source');
  static readonly SourceOrganizeImports = new CodeActionKind('source.organizeImports');
  static readonly SourceFixAll = new CodeActionKind('source.fixAll');
  constructor(readonly value: string) {}
  append(part: string): CodeActionKind {
    return new CodeActionKind(this.value === '' ? part : `${this.value}.${part}`);
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const listener of this.listeners) {
      listener(value);
    }
  }
  dispose(): void {
    this.listeners = [];
  }
}

export interface FakeVscode {
  module: Record<string, unknown>;
  output: string[];
  messages: { level: string; text: string }[];
  commands: Map<string, (...args: unknown[]) => unknown>;
  configurationListeners: Listener<{ affectsConfiguration(section: string): boolean }>[];
  /** Answers for showInputBox, in order. */
  inputs: (string | undefined)[];
  /** The quick picks shown: title and item labels/descriptions. */
  quickPicks: { title?: string; items: { label: string; description?: string }[] }[];
}

export interface FakeOptions {
  /** `integrityLsp.*` values of one folder (by its path), over `settings`. */
  folderSettings?: Record<string, Record<string, unknown>>;
  trusted?: boolean;
}

/**
 * `settings` holds the `integrityLsp.*` values by key (without the prefix); `workspaceFolders`
 * is one folder or several (a multi-root workspace).
 */
export function fakeVscode(workspaceFolders: string | string[], settings: Record<string, unknown>, options: FakeOptions = {}): FakeVscode {
  const output: string[] = [];
  const messages: { level: string; text: string }[] = [];
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const configurationListeners: FakeVscode['configurationListeners'] = [];
  const inputs: (string | undefined)[] = [];
  const quickPicks: FakeVscode['quickPicks'] = [];
  const folderPaths = typeof workspaceFolders === 'string' ? [workspaceFolders] : workspaceFolders;
  const folders = folderPaths.map((folderPath, index) => ({ uri: Uri.file(folderPath), name: path.basename(folderPath), index }));
  const workspaceFolder = folderPaths[0];
  const folderOf = (uri: Uri | undefined) =>
    uri === undefined
      ? undefined
      : folders.find((candidate) => uri.fsPath === candidate.uri.fsPath || uri.fsPath.startsWith(candidate.uri.fsPath + path.sep));

  const configuration = (section?: string, scope?: Uri | { uri: Uri } | null) => {
    const prefix = section ? section + '.' : '';
    const scopeUri = scope === null || scope === undefined ? undefined : scope instanceof Uri ? scope : scope.uri;
    const perFolder = options.folderSettings?.[folderOf(scopeUri)?.uri.fsPath ?? ''] ?? {};
    const lookup = (key: string) => {
      const full = prefix + key;
      if (full.startsWith('integrityLsp.')) {
        const name = full.slice('integrityLsp.'.length);
        return name in perFolder ? perFolder[name] : settings[name];
      }
      return undefined;
    };
    return {
      get: (key: string, fallback?: unknown) => lookup(key) ?? fallback,
      has: (key: string) => lookup(key) !== undefined,
      inspect: () => undefined,
      update: async () => undefined,
    };
  };

  const outputChannel = {
    name: 'integrity-lsp',
    append: (text: string) => output.push(text),
    appendLine: (text: string) => output.push(text + '\n'),
    replace: () => undefined,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };

  const message = (level: string) => async (text: string) => {
    messages.push({ level, text });
    return undefined;
  };

  const base: Record<string, unknown> = {
    version: '1.85.0',
    Uri,
    RelativePattern,
    CodeActionKind,
    EventEmitter,
    Disposable: class {
      static from(...items: { dispose(): unknown }[]) {
        return { dispose: () => items.forEach((item) => item.dispose()) };
      }
      constructor(private readonly callback: () => void) {}
      dispose() {
        this.callback();
      }
    },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    workspace: new Proxy(
      {
        workspaceFolders: folders,
        isTrusted: options.trusted ?? true,
        textDocuments: [],
        notebookDocuments: [],
        getConfiguration: configuration,
        getWorkspaceFolder: (uri: Uri) => folderOf(uri),
        asRelativePath: (uri: Uri | string) => {
          const file = typeof uri === 'string' ? uri : uri.fsPath;
          const relative = path.relative(workspaceFolder, file);
          return relative.startsWith('..') ? file : relative;
        },
        onDidChangeConfiguration: (listener: FakeVscode['configurationListeners'][number]) => {
          configurationListeners.push(listener);
          return disposable();
        },
      } as Record<string | symbol, unknown>,
      { get: (target, property) => (property in target ? target[property] : auto()) },
    ),
    window: new Proxy(
      {
        activeTextEditor: undefined,
        visibleTextEditors: [],
        tabGroups: { all: [], onDidChangeTabs: () => disposable() },
        createOutputChannel: () => outputChannel,
        showErrorMessage: message('error'),
        showWarningMessage: message('warning'),
        showInformationMessage: message('info'),
        showInputBox: async () => inputs.shift(),
        withProgress: async (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
          task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: () => disposable() }),
        createQuickPick: () => {
          const hide = new EventEmitter<void>();
          const record: FakeVscode['quickPicks'][number] = { items: [] };
          const picker = {
            title: undefined as string | undefined,
            placeholder: '',
            matchOnDescription: false,
            ignoreFocusOut: false,
            selectedItems: [],
            activeItems: [],
            set items(items: { label: string; description?: string }[]) {
              record.items = items.map(({ label, description }) => ({ label, description }));
            },
            onDidChangeActive: () => disposable(),
            onDidAccept: () => disposable(),
            onDidHide: hide.event,
            show: () => {
              record.title = picker.title;
              quickPicks.push(record);
              setTimeout(() => hide.fire(), 0);
            },
            hide: () => hide.fire(),
            dispose: () => undefined,
          };
          return picker;
        },
      } as Record<string | symbol, unknown>,
      { get: (target, property) => (property in target ? target[property] : auto()) },
    ),
    commands: new Proxy(
      {
        registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
          commands.set(id, handler);
          return { dispose: () => commands.delete(id) };
        },
        executeCommand: async () => undefined,
      } as Record<string | symbol, unknown>,
      { get: (target, property) => (property in target ? target[property] : auto()) },
    ),
    extensions: { getExtension: () => undefined, all: [] },
    env: new Proxy({ appName: 'fake', language: 'en', machineId: 'test' } as Record<string | symbol, unknown>, {
      get: (target, property) => (property in target ? target[property] : auto()),
    }),
  };
  const module = new Proxy(base, {
    get: (target, property) => (property in target ? target[property as string] : property === '__esModule' ? false : auto()),
  });
  return { module, output, messages, commands, configurationListeners, inputs, quickPicks };
}
