// A multi-root workspace against the stand-in server: one server per workspace folder, each
// started in its folder with that folder's settings; integrityLsp.enable stops and starts a
// folder's server. Needs python3 with pygls (the bundle's, once scripts/bundle.py has run).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import { fakeVscode, type FakeVscode } from './fakeVscode';
import { context, type ExtensionModule, fakeServerScript, loadExtension, pythonWithPygls, readJson, until } from './support';

const runner = pythonWithPygls();
const skip = runner !== undefined ? false : 'needs python3 with pygls (or the bundle) and editors/nvim/test/fake_server.py';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'integrity-lsp-multiroot-'));
const blog = path.join(scratch, 'blog');
const shop = path.join(scratch, 'shop');
const folderSettings: Record<string, Record<string, unknown>> = {
  [blog]: { select: ['IL1'] },
  [shop]: { select: ['IL3'], severity: { IL301: 'error' } },
};
let fake: FakeVscode;
let extension: ExtensionModule;
const clientLog = () => fake.output.join('');

/** What the server started in `folder` recorded (the script writes record.json in its working directory). */
function recorded(folder: string): Record<string, unknown> | undefined {
  const seen = readJson(path.join(folder, 'record.json'));
  return seen?.configuration !== null && seen?.configuration !== undefined ? seen : undefined;
}

function fireChange(...keys: string[]): void {
  for (const listener of fake.configurationListeners) {
    listener({ affectsConfiguration: (section: string) => section === 'integrityLsp' || keys.includes(section) });
  }
}

before(async () => {
  if (runner === undefined) {
    return;
  }
  fs.mkdirSync(blog);
  fs.mkdirSync(shop);
  const wrapper = fakeServerScript(path.join(scratch, 'integrity-lsp'), runner, 'record.json');
  fake = fakeVscode([blog, shop], { path: [wrapper], interpreter: [] }, { folderSettings });
  extension = loadExtension(fake);
  await extension.activate(context());
});

after(async () => {
  if (extension !== undefined) {
    await extension.deactivate();
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

test('each folder has its own server, started in it, with its own settings', { skip }, async () => {
  const seenBlog = await until('the blog server', () => recorded(blog), clientLog);
  const seenShop = await until('the shop server', () => recorded(shop), clientLog);
  assert.deepEqual(seenBlog.initialization_options, { 'integrity-lsp': { select: ['IL1'] }, logLevel: 'info' });
  assert.deepEqual(seenBlog.configuration, { select: ['IL1'] });
  assert.deepEqual(seenShop.initialization_options, { 'integrity-lsp': { select: ['IL3'], severity: { IL301: 'error' } }, logLevel: 'info' });
  assert.deepEqual(seenShop.configuration, { select: ['IL3'], severity: { IL301: 'error' } });
});

test("each server's documents are its folder's files; untitled documents go to the first", { skip }, () => {
  const servers = extension.runningServers();
  type Filter = { scheme: string; pattern?: { baseUri: { fsPath: string } } };
  assert.deepEqual(
    servers.map((server) => [server.folder, server.running, (server.documentSelector as Filter[]).map((f) => `${f.scheme}:${f.pattern?.baseUri.fsPath ?? '*'}`)]),
    [
      [blog, true, [`file:${blog}`, 'untitled:*']],
      [shop, true, [`file:${shop}`]],
    ],
  );
});

test("integrityLsp.enable off for a folder stops its server; on again starts it", { skip }, async () => {
  folderSettings[blog].enable = false;
  fireChange('integrityLsp.enable');
  const settled = (count: number) => () => {
    const servers = extension.runningServers();
    return servers.length === count && servers.every((server) => server.running) ? true : undefined;
  };
  await until('the blog server to stop', settled(1), clientLog);
  const [remaining] = extension.runningServers();
  assert.equal(remaining.folder, shop);
  assert.equal(remaining.running, true);
  // Untitled documents moved to the shop server: it was started again with the new selector.
  assert.equal(remaining.untitled, true);

  fs.rmSync(path.join(blog, 'record.json'));
  delete folderSettings[blog].enable;
  fireChange('integrityLsp.enable');
  await until('the blog server to start again', () => recorded(blog), clientLog);
  await until('both servers to run', settled(2), clientLog);
  assert.deepEqual(
    extension.runningServers().map((server) => [server.folder, server.untitled, server.running]),
    [
      [blog, true, true],
      [shop, false, true],
    ],
  );
});
