import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { METRICS } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';

/** The api export's columns (GET /export), which the backtest and the trainer read. */
export const CONTRACT_HEADER = ['timestamp', 'server_name', ...METRICS, 'profile'].join(',');

/** One row in the contract layout: a blank cell for a metric not measured. */
export function contractRow(epochSeconds: number, server: string, values: ArrayLike<number>, profile = ''): string {
  const cells = Array.from(values, (v) => (Number.isFinite(v) ? String(Math.round(v * 10_000) / 10_000) : ''));
  return `${isoSeconds(epochSeconds)},${server},${cells.join(',')},${profile}`;
}

/** ISO 8601 to epoch seconds; a time without a zone is UTC, as the trainer and the backtest read it. */
export function rowTime(text: string): number {
  const s = text.trim();
  const zoned = /(?:[zZ]|[+-]\d\d(?::?\d\d)?)$/.test(s) && /T|\s/.test(s);
  const ms = Date.parse(zoned || /^\d{4}-\d\d-\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(ms) ? ms / 1000 : NaN;
}

export class CsvError extends Error {}

/**
 * The lines of a contract CSV after its header, each with its row's time and server; the header is
 * checked for `timestamp` and `server_name`.
 */
export async function* contractRows(file: string): AsyncGenerator<{ line: string; time: number; server: string }> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let timeCol = -1;
  let nameCol = -1;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (timeCol < 0) {
      const header = cells.map((c) => c.trim().replace(/^\uFEFF/, ''));
      timeCol = header.indexOf('timestamp');
      nameCol = header.indexOf('server_name');
      if (timeCol < 0 || nameCol < 0)
        throw new CsvError(`${file}: the header must name timestamp and server_name, got "${line.slice(0, 200)}"`);
      continue;
    }
    const time = rowTime(cells[timeCol] ?? '');
    if (Number.isNaN(time)) throw new CsvError(`${file}:${lineNo}: bad timestamp "${cells[timeCol] ?? ''}"`);
    yield { line, time, server: (cells[nameCol] ?? '').trim() };
  }
}

/** The first line of a file (its header), or '' when it is empty. */
export async function headerOf(file: string): Promise<string> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line.replace(/^\uFEFF/, '');
  }
  return '';
}
