// Which servers to run: one per workspace folder (as the Python-tools extensions do), each with
// a document selector for its own folder. Pure: no `vscode` import.
//
// - No folder open: one server for every Python file and untitled Python document.
// - Folders open: one server per folder where `integrityLsp.enable` is on, for the `file:`
//   documents under it. A folder inside another enabled folder gets no server of its own (the
//   outer server covers its files, which would otherwise be checked twice).
// - Untitled Python documents go to the first server only.

import * as path from 'node:path';

export interface FolderLike {
  /** The folder's URI as a string: the key of its server. */
  uri: string;
  fsPath: string;
  index: number;
}

export interface ClientPlan<F extends FolderLike> {
  /** The folder's URI, or '' for the server of a window without folders. */
  key: string;
  folder: F | undefined;
  /** Whether untitled Python documents go to this server. */
  untitled: boolean;
}

/** A document filter, with `folder` standing for "files under this folder" (a RelativePattern). */
export interface FilterSpec<F> {
  scheme: 'file' | 'untitled';
  language: 'python';
  folder?: F;
}

export function planClients<F extends FolderLike>(
  folders: readonly F[] | undefined,
  enabled: (folder: F | undefined) => boolean,
  platform: NodeJS.Platform = process.platform,
): ClientPlan<F>[] {
  if (folders === undefined || folders.length === 0) {
    return enabled(undefined) ? [{ key: '', folder: undefined, untitled: true }] : [];
  }
  const chosen = [...folders].sort((a, b) => a.index - b.index).filter((folder) => enabled(folder));
  const outermost = chosen.filter(
    (folder, position) =>
      !chosen.some((other, otherPosition) => {
        if (other === folder) {
          return false;
        }
        const same = samePath(other.fsPath, folder.fsPath, platform);
        // The same folder twice: the first one keeps it.
        return same ? otherPosition < position : isInside(folder.fsPath, other.fsPath, platform);
      }),
  );
  return outermost.map((folder, position) => ({ key: folder.uri, folder, untitled: position === 0 }));
}

/** The document filters of one server. */
export function documentFilters<F extends FolderLike>(plan: ClientPlan<F>): FilterSpec<F>[] {
  const filters: FilterSpec<F>[] = [
    plan.folder !== undefined ? { scheme: 'file', language: 'python', folder: plan.folder } : { scheme: 'file', language: 'python' },
  ];
  if (plan.untitled) {
    filters.push({ scheme: 'untitled', language: 'python' });
  }
  return filters;
}

/** The plan whose folder holds `file` (the innermost), else the one without a folder. */
export function planFor<F extends FolderLike>(
  plans: readonly ClientPlan<F>[],
  file: string | undefined,
  platform: NodeJS.Platform = process.platform,
): ClientPlan<F> | undefined {
  let best: ClientPlan<F> | undefined;
  for (const plan of plans) {
    if (plan.folder === undefined) {
      best ??= plan;
      continue;
    }
    if (file !== undefined && (samePath(file, plan.folder.fsPath, platform) || isInside(file, plan.folder.fsPath, platform))) {
      if (best?.folder === undefined || plan.folder.fsPath.length > best.folder.fsPath.length) {
        best = plan;
      }
    }
  }
  return best;
}

/** Whether `child` lies strictly inside `parent`. */
export function isInside(child: string, parent: string, platform: NodeJS.Platform = process.platform): boolean {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const relative = paths.relative(normalise(parent, platform), normalise(child, platform));
  return relative !== '' && !relative.startsWith('..') && !paths.isAbsolute(relative);
}

function samePath(a: string, b: string, platform: NodeJS.Platform): boolean {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  return paths.relative(normalise(a, platform), normalise(b, platform)) === '';
}

function normalise(value: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? value.toLowerCase() : value;
}
