// The result of the server command `integrity-lsp.explain` and the quick-pick items made from
// it. Pure: no `vscode` import.

export const EXPLAIN_COMMAND = 'integrity-lsp.explain';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface ExplainLocation {
  uri: string;
  range: Range;
  title: string;
}

export interface ExplainResult {
  summary: string;
  locations: ExplainLocation[];
}

export interface LocationItem {
  label: string;
  description: string;
  detail?: string;
  location: ExplainLocation;
}

/**
 * Checks the shape of what the server answered. Locations that are malformed are skipped (and
 * counted), so one bad entry does not hide the others; a result that is not an object at all
 * is an error.
 */
export function parseExplainResult(raw: unknown): { result: ExplainResult; skipped: number } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`integrity-lsp.explain returned ${raw === null ? 'nothing' : 'an unexpected value'}`);
  }
  const record = raw as Record<string, unknown>;
  const summary = typeof record.summary === 'string' ? record.summary : '';
  const locations: ExplainLocation[] = [];
  let skipped = 0;
  const rawLocations = Array.isArray(record.locations) ? record.locations : [];
  for (const entry of rawLocations) {
    const location = asLocation(entry);
    if (location === undefined) {
      skipped += 1;
    } else {
      locations.push(location);
    }
  }
  return { result: { summary, locations }, skipped };
}

/**
 * One quick-pick item per location: the title as label, `path:line:column` (1-based, as
 * editors show them) as description. `displayPath` turns a URI into a workspace-relative path.
 */
export function toLocationItems(result: ExplainResult, displayPath: (uri: string) => string): LocationItem[] {
  return result.locations.map((location) => ({
    label: location.title,
    description: `${displayPath(location.uri)}:${location.range.start.line + 1}:${location.range.start.character + 1}`,
    location,
  }));
}

/** The first line of the summary, for a title bar; the whole summary goes to the log. */
export function summaryHeadline(summary: string, maxLength = 120): string {
  const first = summary.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '';
  return first.length > maxLength ? first.slice(0, maxLength - 1) + '…' : first;
}

function asLocation(entry: unknown): ExplainLocation | undefined {
  if (entry === null || typeof entry !== 'object') {
    return undefined;
  }
  const record = entry as Record<string, unknown>;
  const range = asRange(record.range);
  if (typeof record.uri !== 'string' || record.uri === '' || range === undefined) {
    return undefined;
  }
  const title = typeof record.title === 'string' && record.title.trim() !== '' ? record.title : record.uri;
  return { uri: record.uri, range, title };
}

function asRange(value: unknown): Range | undefined {
  if (value === null || typeof value !== 'object') {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const start = asPosition(record.start);
  const end = asPosition(record.end) ?? start;
  return start === undefined || end === undefined ? undefined : { start, end };
}

function asPosition(value: unknown): Position | undefined {
  if (value === null || typeof value !== 'object') {
    return undefined;
  }
  const { line, character } = value as Record<string, unknown>;
  if (!isIndex(line) || !isIndex(character)) {
    return undefined;
  }
  return { line, character };
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
