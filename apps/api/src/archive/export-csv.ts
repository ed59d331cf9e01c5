import { CONTRACT_CSV_COLUMNS } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import { ARCHIVE_SCALE, type ArchiveReader } from './archive.store';

/** Bytes of CSV gathered before a chunk goes to the response: large enough that per-chunk costs vanish, small beside memory. */
export const EXPORT_CHUNK_BYTES = 64 * 1024;

const cell = (v: number | null): string => (v === null ? '' : String(v / ARCHIVE_SCALE));

/**
 * The reader's rows as CSV in the contract layout (CONTRACT_CSV_COLUMNS: what the backtest and the
 * trainer read), a header first, in chunks of about EXPORT_CHUNK_BYTES. A metric a step lacks is an
 * empty cell, as those readers take a value that was not measured. Lazy: a row is read from SQLite
 * only when the consumer asks for the chunk holding it.
 */
export function* csvChunks(reader: ArchiveReader): Generator<string> {
  let chunk = CONTRACT_CSV_COLUMNS.join(',') + '\n';
  let lastStart = Number.NaN;
  let timestamp = '';
  for (const [start, serverId, cpu, memory, disk, load] of reader.rows()) {
    if (start !== lastStart) {
      lastStart = start;
      timestamp = isoSeconds(start);
    }
    const server = reader.servers.get(serverId);
    chunk += `${timestamp},${server?.name ?? `server-${serverId}`},${cell(cpu)},${cell(memory)},${cell(disk)},${cell(load)},${server?.profile ?? ''}\n`;
    if (chunk.length >= EXPORT_CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
