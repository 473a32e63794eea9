// The VS Code side: starts integrity-lsp servers over stdio with vscode-languageclient (one per
// workspace folder), passes the `integrityLsp.*` settings to them, and adds the Explain and
// Restart commands. The decisions (settings mapping, which command to run, which folders get a
// server, explain results) live in pure modules next to this.

import * as os from 'node:os';

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  type DocumentSelector,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type LSPAny,
  RevealOutputChannelOn,
  type ServerOptions,
  Trace,
} from 'vscode-languageclient/node';

import { EXPLAIN_COMMAND, type LocationItem, parseExplainResult, summaryHeadline, toLocationItems } from './explain';
import { type ClientPlan, documentFilters, type FolderLike, planClients, planFor } from './folders';
import { type InterpreterProbe, quoteCommand, resolveServerCommand, type ServerCommand, type StartFailure } from './serverCommand';
import {
  answerConfigurationItem,
  CLIENT_SECTION,
  effectiveTrace,
  initializationOptions,
  levelOfLine,
  LOG_LEVEL_ENV,
  type LogLevel,
  logs,
  needsRestart,
  SERVER_SECTION,
  type ServerSettings,
  toLogLevel,
  toServerSettings,
} from './settings';
import { findBundle, isExecutable, probeInterpreter, which } from './system';

const CLIENT_ID = 'integrityLsp'; // also the prefix of `integrityLsp.trace.server`
const CLIENT_NAME = 'integrity-lsp';

/** The part of the Python extension's API (ms-python.python) that is used here. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(environment: { id: string; path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

/** A workspace folder as the pure planning code sees it. */
interface Slot extends FolderLike {
  workspaceFolder: vscode.WorkspaceFolder;
}

/** One server: its plan, and once started, its client and command (or why it did not start). */
interface Entry {
  plan: ClientPlan<Slot>;
  client?: LanguageClient;
  command?: ServerCommand;
  failure?: StartFailure;
}

/** One reconciliation's shared state: probes run once, each distinct failure shown once. */
interface Round {
  probes: Map<string, Promise<InterpreterProbe>>;
  failures: Map<string, { failure: StartFailure; folders: string[] }>;
}

let output: vscode.OutputChannel;
let serverOutput: vscode.OutputChannel;
let extensionPath = '';
let logLevel: LogLevel = 'info';
const entries = new Map<string, Entry>();
let lifecycle: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath ?? '';
  output = vscode.window.createOutputChannel('integrity-lsp');
  serverOutput = filteredChannel(output);
  logLevel = toLogLevel(vscode.workspace.getConfiguration(CLIENT_SECTION).get('logLevel'));
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('integrityLsp.restart', () => queue(restartAll)),
    vscode.commands.registerCommand('integrityLsp.explainError', explainError),
    vscode.commands.registerCommand('integrityLsp.showLog', () => output.show()),
    vscode.workspace.onDidChangeConfiguration(onConfigurationChanged),
    vscode.workspace.onDidChangeWorkspaceFolders(() => queue(reconcile)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => queue(restartAll)),
    { dispose: () => void stopAll() },
  );
  const python = await pythonApi();
  if (python?.environments !== undefined) {
    context.subscriptions.push(
      python.environments.onDidChangeActiveEnvironmentPath(() => {
        log('The Python extension selected another interpreter: restarting the servers that use it.');
        void queue(() => restartWhere((entry) => entry.command === undefined || entry.command.usesPythonExtension));
      }),
    );
  }
  await queue(reconcile);
}

export function deactivate(): Thenable<void> | undefined {
  return stopAll();
}

/** The servers as started, for the tests and the log. */
export function runningServers(): { folder: string | undefined; untitled: boolean; command: ServerCommand | undefined; documentSelector: DocumentSelector | undefined; running: boolean }[] {
  return [...entries.values()].map((entry) => ({
    folder: entry.plan.folder?.fsPath,
    untitled: entry.plan.untitled,
    command: entry.command,
    documentSelector: entry.client?.clientOptions.documentSelector,
    running: entry.client?.isRunning() ?? false,
  }));
}

function queue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

function log(message: string, level: Exclude<LogLevel, 'trace'> = 'info'): void {
  if (logs(logLevel, level)) {
    output.appendLine(`[client ${new Date().toLocaleTimeString()}] ${message}`);
  }
}

/**
 * The output channel handed to vscode-languageclient: the server's `window/logMessage` lines
 * below `integrityLsp.logLevel` are dropped; its stderr (`append`) always gets through.
 */
function filteredChannel(channel: vscode.OutputChannel): vscode.OutputChannel {
  return {
    name: channel.name,
    append: (value: string) => channel.append(value),
    appendLine: (value: string) => {
      if (logs(logLevel, levelOfLine(value))) {
        channel.appendLine(value);
      }
    },
    replace: (value: string) => channel.replace(value),
    clear: () => channel.clear(),
    show: (...args: unknown[]) => (channel.show as (...a: unknown[]) => void)(...args),
    hide: () => channel.hide(),
    dispose: () => undefined, // the real channel is disposed with the extension
  } as vscode.OutputChannel;
}

function slots(): Slot[] | undefined {
  return vscode.workspace.workspaceFolders?.map((folder) => ({
    uri: folder.uri.toString(),
    fsPath: folder.uri.fsPath,
    index: folder.index,
    workspaceFolder: folder,
  }));
}

function enabledFor(slot: Slot | undefined): boolean {
  return vscode.workspace.getConfiguration(CLIENT_SECTION, slot?.workspaceFolder.uri ?? null).get<boolean>('enable') !== false;
}

function entryKey(plan: ClientPlan<Slot>): string {
  return `${plan.key}|${plan.untitled ? 'untitled' : ''}`;
}

/** Starts the servers that should run and are not running; stops those that should not run. */
async function reconcile(): Promise<void> {
  const plans = planClients(slots(), enabledFor);
  const wanted = new Map(plans.map((plan) => [entryKey(plan), plan]));
  for (const [key, entry] of [...entries]) {
    if (!wanted.has(key)) {
      entries.delete(key);
      await stopEntry(entry);
    }
  }
  if (plans.length === 0) {
    log('integrity-lsp is disabled (integrityLsp.enable) for every folder: no server runs.');
  }
  const round: Round = { probes: new Map(), failures: new Map() };
  for (const [key, plan] of wanted) {
    if (!entries.has(key)) {
      const entry: Entry = { plan };
      entries.set(key, entry);
      await startEntry(entry, round);
    }
  }
  for (const { failure, folders } of round.failures.values()) {
    void showStartFailure(failure, folders);
  }
}

async function restartAll(): Promise<void> {
  log('Restarting the servers.');
  await stopAll();
  await reconcile();
}

async function restartWhere(predicate: (entry: Entry) => boolean): Promise<void> {
  for (const [key, entry] of [...entries]) {
    if (predicate(entry)) {
      entries.delete(key);
      await stopEntry(entry);
    }
  }
  await reconcile();
}

async function stopAll(): Promise<void> {
  const stopping = [...entries.values()];
  entries.clear();
  await Promise.all(stopping.map(stopEntry));
}

async function stopEntry(entry: Entry): Promise<void> {
  const running = entry.client;
  entry.client = undefined;
  if (running === undefined) {
    return;
  }
  try {
    await running.stop(5000);
  } catch (error) {
    log(`Stopping the server failed: ${String(error)}`, 'warning');
  }
  await running.dispose().catch(() => undefined);
}

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension === undefined) {
    return undefined;
  }
  try {
    return extension.isActive ? extension.exports : await extension.activate();
  } catch (error) {
    log(`The Python extension could not be activated: ${String(error)}`, 'warning');
    return undefined;
  }
}

async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string[] | undefined> {
  const api = await pythonApi();
  if (api?.environments !== undefined) {
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    const executable = resolved?.executable.uri?.fsPath;
    return executable ? [executable] : undefined;
  }
  return api?.settings?.getExecutionDetails(resource).execCommand;
}

function serverSettingsFor(scope: vscode.Uri | undefined): ServerSettings {
  return toServerSettings(vscode.workspace.getConfiguration(CLIENT_SECTION, scope ?? null));
}

/**
 * The documents of one server. A folder's files are matched with a vscode.RelativePattern (no
 * glob escaping of the folder's path needed, any OS): vscode-languageclient hands the selector
 * to vscode.languages.match / register*Provider unchanged, though its type only names strings.
 */
function documentSelector(plan: ClientPlan<Slot>): DocumentSelector {
  const filters: vscode.DocumentFilter[] = documentFilters(plan).map((filter) =>
    filter.folder !== undefined
      ? { scheme: filter.scheme, language: filter.language, pattern: new vscode.RelativePattern(filter.folder.workspaceFolder, '**/*') }
      : { scheme: filter.scheme, language: filter.language },
  );
  return filters as unknown as DocumentSelector;
}

async function startEntry(entry: Entry, round: Round): Promise<void> {
  const folder = entry.plan.folder?.workspaceFolder;
  const where = folder !== undefined ? ` for ${folder.name}` : '';
  const config = vscode.workspace.getConfiguration(CLIENT_SECTION, folder?.uri ?? null);
  const cwd = workingDirectory(folder);
  const resolution = await resolveServerCommand({
    importStrategy: config.get('importStrategy'),
    bundle: findBundle(extensionPath),
    path: config.get<string[]>('path') ?? [],
    interpreter: config.get<string[]>('interpreter') ?? [],
    pythonExtensionInterpreter: () => pythonExtensionInterpreter(folder?.uri),
    which: (name) => which(name),
    isExecutable,
    probe: (interpreter) => {
      const key = JSON.stringify([interpreter, cwd]);
      let probe = round.probes.get(key);
      if (probe === undefined) {
        probe = probeInterpreter(interpreter, 20000, cwd);
        round.probes.set(key, probe);
      }
      return probe;
    },
    variables: { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir() },
    trusted: vscode.workspace.isTrusted,
  });
  for (const note of resolution.notes) {
    log(`${note}${where ? ` (${folder?.name})` : ''}`);
  }
  if (!resolution.ok) {
    log(`Cannot start the server${where}: ${resolution.reason}. ${resolution.hint}`, 'error');
    fail(entry, round, resolution, folder);
    return;
  }

  const command = resolution.command;
  entry.command = command;
  const commandLine = quoteCommand([command.command, ...command.args]);
  log(`Starting ${commandLine}${where} (${describe(command)})`);
  const executable = { command: command.command, args: command.args, options: { cwd, env: { ...process.env, [LOG_LEVEL_ENV]: logLevel } } };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(entry.plan),
    workspaceFolder: folder,
    outputChannel: serverOutput,
    traceOutputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: initializationOptions(serverSettingsFor(folder?.uri), { python: command.python, logLevel }),
    connectionOptions: { maxRestartCount: 4 },
    initializationFailedHandler: (error) => {
      log(`Initialization failed${where}: ${String(error)}`, 'error');
      return false;
    },
    middleware: {
      workspace: {
        // The server asks for the section "integrity-lsp" with kebab-case keys: answer it from
        // the `integrityLsp.*` settings of the scope it asks about (its folder when it names
        // none); anything else as VS Code would.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return params.items.map((item, index): LSPAny => {
            if (item.section !== SERVER_SECTION && !item.section?.startsWith(SERVER_SECTION + '.')) {
              return answers[index];
            }
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : folder?.uri;
            return answerConfigurationItem(item.section, serverSettingsFor(scope)) as LSPAny;
          });
        },
      },
    },
  };

  const name = folder !== undefined ? `${CLIENT_NAME} (${folder.name})` : CLIENT_NAME;
  const client = new LanguageClient(CLIENT_ID, name, serverOptions, clientOptions);
  entry.client = client;
  try {
    await client.start();
    log(`Server started${where}.`);
    await applyTrace(client, config.get('trace.server'));
  } catch (error) {
    log(`The server did not start${where}: ${String(error)}`, 'error');
    fail(
      entry,
      round,
      {
        reason: `${commandLine} did not start: ${errorMessage(error)}`,
        hint: command.bundled
          ? 'The bundled server runs with your Python interpreter; see the integrity-lsp log for its error output.'
          : 'See the integrity-lsp log for its error output.',
        source: command.source,
      },
      folder,
    );
  }
}

function fail(entry: Entry, round: Round, failure: StartFailure, folder: vscode.WorkspaceFolder | undefined): void {
  entry.failure = { reason: failure.reason, hint: failure.hint, source: failure.source };
  const key = `${failure.reason}\n${failure.hint}`;
  const seen = round.failures.get(key) ?? { failure: entry.failure, folders: [] };
  if (folder !== undefined) {
    seen.folders.push(folder.name);
  }
  round.failures.set(key, seen);
}

/** `integrityLsp.logLevel` "trace" also logs the LSP messages, unless trace.server says otherwise. */
async function applyTrace(client: LanguageClient, traceServer: unknown): Promise<void> {
  if (traceServer !== undefined && traceServer !== 'off') {
    return; // vscode-languageclient applies integrityLsp.trace.server itself
  }
  const trace = effectiveTrace(traceServer, logLevel);
  if (trace !== 'off') {
    await client.setTrace(Trace.fromString(trace));
  }
}

function workingDirectory(folder: vscode.WorkspaceFolder | undefined): string {
  // In an untrusted workspace the server does not start inside it, so that `python -m` cannot
  // pick up a module of the same name from the workspace.
  return folder !== undefined && vscode.workspace.isTrusted ? folder.uri.fsPath : os.homedir();
}

function describe(command: ServerCommand): string {
  const origin = {
    path: 'from integrityLsp.path',
    interpreter: 'with the interpreter set in integrityLsp.interpreter',
    'python-extension': "with the Python extension's selected interpreter",
    PATH: 'from PATH',
  }[command.source];
  const what = command.bundled ? 'the bundled server' : 'the server from the environment';
  const python = command.python !== undefined ? `; project interpreter ${command.python}` : '';
  return `${what}, ${origin}${python}`;
}

async function showStartFailure(failure: StartFailure, folders: string[]): Promise<void> {
  const openSettings = 'Open Settings';
  const showLog = 'Show Log';
  const where = folders.length > 0 ? ` for ${folders.join(', ')}` : '';
  const choice = await vscode.window.showErrorMessage(
    `integrity-lsp could not be started${where}: ${failure.reason}. ${failure.hint} Then run "integrity-lsp: Restart".`,
    openSettings,
    showLog,
  );
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:integrity-lsp.integrity-lsp');
  } else if (choice === showLog) {
    output.show();
  }
}

function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
  if (!event.affectsConfiguration(CLIENT_SECTION)) {
    return;
  }
  logLevel = toLogLevel(vscode.workspace.getConfiguration(CLIENT_SECTION).get('logLevel'));
  if (needsRestart((key) => event.affectsConfiguration(key))) {
    void queue(restartAll);
    return;
  }
  if (event.affectsConfiguration(`${CLIENT_SECTION}.enable`)) {
    void queue(reconcile);
  }
  // In the queue, after any start/stop above: a notification to a stopped client would start it again.
  void queue(notifySettings);
  if (logLevel === 'trace') {
    // vscode-languageclient re-reads integrityLsp.trace.server on every change: re-apply after it.
    setTimeout(() => void queue(async () => {
      for (const entry of entries.values()) {
        if (entry.client?.isRunning()) {
          await applyTrace(entry.client, vscode.workspace.getConfiguration(CLIENT_SECTION).get('trace.server')).catch(() => undefined);
        }
      }
    }), 0);
  }
}

/** Sends each running server its folder's settings (a server that pulls them re-asks on this). */
async function notifySettings(): Promise<void> {
  for (const entry of entries.values()) {
    const client = entry.client;
    if (client?.isRunning()) {
      await client
        .sendNotification(DidChangeConfigurationNotification.type, {
          settings: { [SERVER_SECTION]: serverSettingsFor(entry.plan.folder?.workspaceFolder.uri) },
        })
        .catch((error: unknown) => log(`workspace/didChangeConfiguration not sent: ${errorMessage(error)}`, 'debug'));
    }
  }
}

/** The server of the active editor's document (its folder's, or the untitled one), else the first. */
function clientForActiveEditor(): LanguageClient | undefined {
  const document = vscode.window.activeTextEditor?.document;
  const all = [...entries.values()];
  let entry: Entry | undefined;
  if (document?.uri.scheme === 'untitled') {
    entry = all.find((candidate) => candidate.plan.untitled);
  } else if (document !== undefined) {
    const plan = planFor(
      all.map((candidate) => candidate.plan),
      document.uri.fsPath,
    );
    entry = all.find((candidate) => candidate.plan === plan);
  }
  return (entry ?? all.find((candidate) => candidate.client?.isRunning()) ?? all[0])?.client;
}

async function explainError(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const selected = editor !== undefined && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : '';
  const text = await vscode.window.showInputBox({
    title: 'integrity-lsp: Explain IntegrityError',
    prompt: 'Paste the IntegrityError message (SQLite, PostgreSQL or MySQL; a traceback is fine)',
    placeHolder: 'UNIQUE constraint failed: shop_product.sku',
    value: selected,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? 'Paste the error message' : undefined),
  });
  if (text === undefined || text.trim() === '') {
    return;
  }
  const running = clientForActiveEditor();
  if (running === undefined || !running.isRunning()) {
    const restartChoice = 'Restart Server';
    const choice = await vscode.window.showErrorMessage('integrity-lsp: the server is not running.', restartChoice, 'Show Log');
    if (choice === restartChoice) {
      await queue(restartAll);
    } else if (choice !== undefined) {
      output.show();
    }
    return;
  }

  let raw: unknown;
  try {
    raw = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'integrity-lsp: explaining the error…' },
      () => running.sendRequest(ExecuteCommandRequest.type, { command: EXPLAIN_COMMAND, arguments: [text] }),
    );
  } catch (error) {
    log(`${EXPLAIN_COMMAND} failed: ${errorMessage(error)}`, 'error');
    void vscode.window.showErrorMessage(`integrity-lsp could not explain the error: ${errorMessage(error)}`);
    return;
  }

  let parsed: ReturnType<typeof parseExplainResult>;
  try {
    parsed = parseExplainResult(raw);
  } catch (error) {
    void vscode.window.showErrorMessage(`integrity-lsp: ${errorMessage(error)}`);
    return;
  }
  const { result, skipped } = parsed;
  log(`Explain: ${text}\n${result.summary}`);
  if (skipped > 0) {
    log(`Explain: ${skipped} malformed location(s) skipped.`);
  }
  const headline = summaryHeadline(result.summary) || 'No explanation found.';
  if (result.locations.length === 0) {
    const details = 'Show Details';
    if ((await vscode.window.showInformationMessage(`integrity-lsp: ${headline}`, details)) === details) {
      output.show();
    }
    return;
  }
  await pickLocation(running, headline, toLocationItems(result, displayPath));
}

function displayPath(uri: string): string {
  try {
    return vscode.workspace.asRelativePath(vscode.Uri.parse(uri), true);
  } catch {
    return uri;
  }
}

async function pickLocation(running: LanguageClient, headline: string, items: LocationItem[]): Promise<void> {
  type PickItem = vscode.QuickPickItem & { entry: LocationItem };
  const picker = vscode.window.createQuickPick<PickItem>();
  picker.title = `integrity-lsp: ${headline}`;
  picker.placeholder = 'Pick a location to open (the full explanation is in the integrity-lsp output)';
  picker.matchOnDescription = true;
  picker.ignoreFocusOut = true;
  picker.items = items.map((entry) => ({ label: entry.label, description: entry.description, detail: entry.detail, entry }));
  const open = async (entry: LocationItem, preview: boolean) => {
    try {
      await vscode.window.showTextDocument(vscode.Uri.parse(entry.location.uri), {
        selection: running.protocol2CodeConverter.asRange(entry.location.range),
        preview,
        preserveFocus: preview,
      });
    } catch (error) {
      log(`Cannot open ${entry.location.uri}: ${errorMessage(error)}`, 'warning');
    }
  };
  await new Promise<void>((resolve) => {
    picker.onDidChangeActive((active) => {
      if (active[0] !== undefined) {
        void open(active[0].entry, true);
      }
    });
    picker.onDidAccept(() => {
      const chosen = picker.selectedItems[0] ?? picker.activeItems[0];
      picker.hide();
      if (chosen !== undefined) {
        void open(chosen.entry, false);
      }
    });
    picker.onDidHide(() => {
      picker.dispose();
      resolve();
    });
    picker.show();
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
