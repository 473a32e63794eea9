// The VS Code side: starts `integrity-lsp serve` over stdio with vscode-languageclient, passes
// the `integrityLsp.*` settings to it, and adds the Explain and Restart commands. The decisions
// (settings mapping, which command to run, explain results) live in pure modules next to this.

import * as os from 'node:os';

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type LSPAny,
  RevealOutputChannelOn,
  type ServerOptions,
} from 'vscode-languageclient/node';

import { EXPLAIN_COMMAND, type LocationItem, parseExplainResult, summaryHeadline, toLocationItems } from './explain';
import { quoteCommand, resolveServerCommand, type ServerCommand, SERVER_MODULE, type StartFailure } from './serverCommand';
import { answerConfigurationItem, CLIENT_SECTION, needsRestart, SERVER_SECTION, type ServerSettings, toServerSettings } from './settings';
import { isExecutable, probeModule, which } from './system';

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

let output: vscode.OutputChannel;
let client: LanguageClient | undefined;
let current: ServerCommand | undefined;
let lifecycle: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('integrity-lsp');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('integrityLsp.restart', () => queue(restart)),
    vscode.commands.registerCommand('integrityLsp.explainError', explainError),
    vscode.commands.registerCommand('integrityLsp.showLog', () => output.show()),
    vscode.workspace.onDidChangeConfiguration(onConfigurationChanged),
    vscode.workspace.onDidGrantWorkspaceTrust(() => queue(restart)),
    { dispose: () => void stop() },
  );
  const python = await pythonApi();
  if (python?.environments !== undefined) {
    context.subscriptions.push(
      python.environments.onDidChangeActiveEnvironmentPath(() => {
        if (current === undefined || current.source === 'python-extension' || current.source === 'PATH') {
          log('The Python extension selected another interpreter: restarting.');
          void queue(restart);
        }
      }),
    );
  }
  await queue(start);
}

export function deactivate(): Thenable<void> | undefined {
  return stop();
}

function queue(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

function log(message: string): void {
  output.appendLine(`[client ${new Date().toLocaleTimeString()}] ${message}`);
}

function primaryFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
}

function serverSettingsFor(scope: vscode.Uri | undefined): ServerSettings {
  return toServerSettings(vscode.workspace.getConfiguration(CLIENT_SECTION, scope ?? null));
}

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension === undefined) {
    return undefined;
  }
  try {
    return extension.isActive ? extension.exports : await extension.activate();
  } catch (error) {
    log(`The Python extension could not be activated: ${String(error)}`);
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

async function start(): Promise<void> {
  const folder = primaryFolder();
  const config = vscode.workspace.getConfiguration(CLIENT_SECTION, folder?.uri ?? null);
  const resolution = await resolveServerCommand({
    path: config.get<string[]>('path') ?? [],
    interpreter: config.get<string[]>('interpreter') ?? [],
    pythonExtensionInterpreter: () => pythonExtensionInterpreter(folder?.uri),
    which: (name) => which(name),
    isExecutable,
    probe: (interpreter) => probeModule(interpreter, SERVER_MODULE, 20000, workingDirectory(folder)),
    variables: { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir() },
    trusted: vscode.workspace.isTrusted,
  });
  for (const note of resolution.notes) {
    log(note);
  }
  if (!resolution.ok) {
    current = undefined;
    log(`Cannot start the server: ${resolution.reason}. Install it with: ${resolution.installCommand}`);
    void showStartFailure(resolution);
    return;
  }

  current = resolution.command;
  const { command, args } = resolution.command;
  log(`Starting ${quoteCommand([command, ...args])} (from ${describeSource(resolution.command)})`);
  const serverOptions: ServerOptions = {
    run: { command, args, options: { cwd: workingDirectory(folder) } },
    debug: { command, args, options: { cwd: workingDirectory(folder) } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ],
    outputChannel: output,
    traceOutputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: serverSettingsFor(folder?.uri),
    connectionOptions: { maxRestartCount: 4 },
    initializationFailedHandler: (error) => {
      log(`Initialization failed: ${String(error)}`);
      return false;
    },
    middleware: {
      workspace: {
        // The server asks for the section "integrity-lsp" with kebab-case keys: answer it from
        // the `integrityLsp.*` settings of the scope it asks about; anything else as VS Code would.
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

  const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client = newClient;
  try {
    await newClient.start();
    log('Server started.');
  } catch (error) {
    log(`The server did not start: ${String(error)}`);
    void showStartFailure({
      reason: `${quoteCommand([command, ...args])} did not start: ${errorMessage(error)}`,
      installCommand: resolution.command.interpreter
        ? `${quoteCommand(resolution.command.interpreter)} -m pip install --upgrade integrity-lsp`
        : 'pip install --upgrade integrity-lsp',
      source: resolution.command.source,
    });
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running === undefined) {
    return;
  }
  try {
    await running.stop(5000);
  } catch (error) {
    log(`Stopping the server failed: ${String(error)}`);
  }
  await running.dispose().catch(() => undefined);
}

async function restart(): Promise<void> {
  log('Restarting the server.');
  await stop();
  await start();
}

function workingDirectory(folder: vscode.WorkspaceFolder | undefined): string | undefined {
  // In an untrusted workspace the server does not start inside it, so that `python -m` cannot
  // pick up a module of the same name from the workspace.
  return folder !== undefined && vscode.workspace.isTrusted ? folder.uri.fsPath : os.homedir();
}

function describeSource(command: ServerCommand): string {
  switch (command.source) {
    case 'path':
      return 'integrityLsp.path';
    case 'interpreter':
      return 'integrityLsp.interpreter';
    case 'python-extension':
      return "the Python extension's selected interpreter";
    case 'PATH':
      return 'PATH';
  }
}

async function showStartFailure(failure: StartFailure): Promise<void> {
  const openSettings = 'Open Settings';
  const copy = 'Copy Install Command';
  const showLog = 'Show Log';
  const choice = await vscode.window.showErrorMessage(
    `integrity-lsp could not be started: ${failure.reason}. Install it with \`${failure.installCommand}\`, ` +
      'or point integrityLsp.path / integrityLsp.interpreter at an installation, then run "integrity-lsp: Restart".',
    openSettings,
    copy,
    showLog,
  );
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:integrity-lsp.integrity-lsp');
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText(failure.installCommand);
  } else if (choice === showLog) {
    output.show();
  }
}

function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
  if (needsRestart((key) => event.affectsConfiguration(key))) {
    void queue(restart);
    return;
  }
  if (event.affectsConfiguration(CLIENT_SECTION) && client?.isRunning()) {
    // A server that pulls settings re-asks through workspace/configuration on this notification.
    void client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SERVER_SECTION]: serverSettingsFor(primaryFolder()?.uri) },
    });
  }
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
  const running = client;
  if (running === undefined || !running.isRunning()) {
    const restartChoice = 'Restart Server';
    const choice = await vscode.window.showErrorMessage('integrity-lsp: the server is not running.', restartChoice, 'Show Log');
    if (choice === restartChoice) {
      await queue(restart);
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
    log(`${EXPLAIN_COMMAND} failed: ${errorMessage(error)}`);
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
      log(`Cannot open ${entry.location.uri}: ${errorMessage(error)}`);
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
