import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { METRICS } from '@tft/contracts';
import { binSamples, type RawSample, type StepSeries } from '@tft/forecasting';

/** One server's history from a contract CSV, binned onto the model's step grid. */
export interface NamedSeries {
  name: string;
  /** The `profile` column when the CSV has one, else `null` (the name prefix decides). */
  profile: string | null;
  series: StepSeries;
  /** Which file it came from (for messages). */
  file: string;
}

export class CsvFormatError extends Error {}

/** `path` itself when it is a file, else the `*.csv` files directly inside it, sorted by name. */
export function listCsvFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.toLowerCase().endsWith('.csv'))
    .sort()
    .map((f) => join(path, f));
}

/**
 * ISO 8601 to epoch seconds. A timestamp without a zone is UTC (as the trainer reads it); JavaScript
 * would otherwise take it as local time.
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  const dateOnly = /^\d{4}-\d\d-\d\d$/.test(s); // JavaScript already reads these as UTC
  const zoned = /(?:[zZ]|[+-]\d\d(?::?\d\d)?)$/.test(s) && /T|\s/.test(s);
  const ms = Date.parse(zoned || dateOnly ? s : `${s}Z`);
  return Number.isFinite(ms) ? ms / 1000 : NaN;
}

/** Splits one CSV line; quotes are honoured ("" is a literal quote) though the contract never needs them. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * Streams one CSV in the contract layout (header with at least `timestamp`, `server_name`; any of the
 * four metric columns; an optional `profile`; other columns ignored) and groups its rows per server.
 * A blank or missing cell means "not measured" (null), never 0. Throws a `CsvFormatError` naming the
 * file and line for a row it cannot read: a bad timestamp or a non-numeric metric cell.
 */
export async function readContractCsv(file: string): Promise<Map<string, { profile: string | null; samples: RawSample[] }>> {
  const servers = new Map<string, { profile: string | null; samples: RawSample[] }>();
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Infinity,
  });
  let header: string[] | null = null;
  let timeCol = -1;
  let nameCol = -1;
  let profileCol = -1;
  let metricCols: number[] = [];
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    if (!header) {
      header = cells.map((c) => c.trim());
      timeCol = header.indexOf('timestamp');
      nameCol = header.indexOf('server_name');
      profileCol = header.indexOf('profile');
      metricCols = METRICS.map((m) => (header as string[]).indexOf(m));
      if (timeCol < 0 || nameCol < 0) {
        throw new CsvFormatError(`${file}: header must name timestamp and server_name, got "${line}"`);
      }
      if (metricCols.every((c) => c < 0)) throw new CsvFormatError(`${file}: header names none of ${METRICS.join(', ')}`);
      continue;
    }
    const time = parseTimestamp(cells[timeCol] ?? '');
    if (Number.isNaN(time)) throw new CsvFormatError(`${file}:${lineNo}: bad timestamp "${cells[timeCol] ?? ''}"`);
    const name = (cells[nameCol] ?? '').trim();
    if (!name) throw new CsvFormatError(`${file}:${lineNo}: empty server_name`);
    const values = metricCols.map((c, m) => {
      const cell = c < 0 ? '' : (cells[c] ?? '').trim();
      if (cell === '') return null;
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new CsvFormatError(`${file}:${lineNo}: ${METRICS[m]} "${cell}" is not a number`);
      return v;
    });
    let server = servers.get(name);
    if (!server) {
      server = { profile: null, samples: [] };
      servers.set(name, server);
    }
    const profile = profileCol >= 0 ? (cells[profileCol] ?? '').trim() : '';
    if (profile) server.profile = profile;
    server.samples.push({ time, values });
  }
  if (!header) throw new CsvFormatError(`${file}: empty file`);
  return servers;
}

/** Every server of every CSV under `path`, binned onto a `stepSeconds` grid; servers with no value are dropped. */
export async function loadSeries(path: string, stepSeconds: number): Promise<NamedSeries[]> {
  const out: NamedSeries[] = [];
  for (const file of listCsvFiles(path)) {
    for (const [name, { profile, samples }] of await readContractCsv(file)) {
      const series = binSamples(samples, stepSeconds);
      if (series) out.push({ name, profile, series, file: basename(file) });
    }
  }
  return out;
}
