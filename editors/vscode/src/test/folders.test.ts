import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { documentFilters, type FolderLike, isInside, planClients, planFor } from '../folders';

function folder(fsPath: string, index: number): FolderLike & { name: string } {
  return { uri: `file://${fsPath}`, fsPath, index, name: fsPath.split('/').pop() ?? '' };
}

const all = () => true;

describe('planClients', () => {
  test('no folder open: one server for every Python file and untitled document', () => {
    assert.deepEqual(planClients(undefined, all), [{ key: '', folder: undefined, untitled: true }]);
    assert.deepEqual(planClients([], all), [{ key: '', folder: undefined, untitled: true }]);
    assert.deepEqual(planClients([], () => false), []);
  });

  test('one server per folder, in folder order; untitled documents go to the first', () => {
    const shop = folder('/work/shop', 1);
    const blog = folder('/work/blog', 0);
    const plans = planClients([shop, blog], all);
    assert.deepEqual(
      plans.map((plan) => [plan.key, plan.untitled]),
      [
        ['file:///work/blog', true],
        ['file:///work/shop', false],
      ],
    );
  });

  test('integrityLsp.enable off for a folder: no server for it; the next one takes untitled documents', () => {
    const blog = folder('/work/blog', 0);
    const shop = folder('/work/shop', 1);
    const plans = planClients([blog, shop], (f) => f !== blog);
    assert.deepEqual(plans.map((plan) => [plan.folder?.fsPath, plan.untitled]), [['/work/shop', true]]);
  });

  test('a folder inside another enabled folder is covered by the outer server', () => {
    const outer = folder('/work/mono', 0);
    const inner = folder('/work/mono/services/api', 1);
    const sibling = folder('/work/mono-other', 2);
    assert.deepEqual(
      planClients([outer, inner, sibling], all).map((plan) => plan.folder?.fsPath),
      ['/work/mono', '/work/mono-other'],
    );
    // …unless the outer one is disabled.
    assert.deepEqual(
      planClients([outer, inner], (f) => f !== outer).map((plan) => plan.folder?.fsPath),
      ['/work/mono/services/api'],
    );
  });

  test('the same folder twice gets one server', () => {
    assert.equal(planClients([folder('/w/a', 0), folder('/w/a/', 1)], all).length, 1);
  });

  test('Windows paths compare without case', () => {
    const outer = { uri: 'file:///c%3A/Work', fsPath: 'C:\\Work', index: 0 };
    const inner = { uri: 'file:///c%3A/work/api', fsPath: 'c:\\work\\api', index: 1 };
    assert.equal(planClients([outer, inner], all, 'win32').length, 1);
    assert.equal(planClients([outer, inner], all, 'linux').length, 2);
  });
});

describe('documentFilters', () => {
  test("a folder's server takes its own files; the first one also untitled Python documents", () => {
    const [first, second] = planClients([folder('/w/a', 0), folder('/w/b', 1)], all);
    assert.deepEqual(documentFilters(first), [
      { scheme: 'file', language: 'python', folder: first.folder },
      { scheme: 'untitled', language: 'python' },
    ]);
    assert.deepEqual(documentFilters(second), [{ scheme: 'file', language: 'python', folder: second.folder }]);
  });

  test('without folders: every Python file and untitled document', () => {
    const [only] = planClients([], all);
    assert.deepEqual(documentFilters(only), [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ]);
  });
});

describe('planFor', () => {
  test("a file goes to its folder's server, the innermost when nested", () => {
    const plans = planClients([folder('/w/a', 0), folder('/w/b', 1)], all);
    assert.equal(planFor(plans, '/w/b/shop/services.py')?.folder?.fsPath, '/w/b');
    assert.equal(planFor(plans, '/elsewhere/x.py'), undefined);
    const single = planClients([], all);
    assert.equal(planFor(single, '/elsewhere/x.py'), single[0]);
  });

  test('isInside', () => {
    assert.equal(isInside('/w/a/b.py', '/w/a'), true);
    assert.equal(isInside('/w/ab/c.py', '/w/a'), false);
    assert.equal(isInside('/w/a', '/w/a'), false);
  });
});
