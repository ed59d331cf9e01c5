import type Database from 'better-sqlite3';
import { claimLayout, IN_MEMORY, openSqliteFile } from '../common/sqlite-file';
import type { BucketState } from './server-window';

/** A server as the store keeps it; a new server's id is -1 until its commit assigns one (in place). */
export interface ServerRow {
  id: number;
  name: string;
  profile: string | null;
}

export interface BucketWrite {
  /** A stored server or one of the commit's new servers (its id is known once they are inserted). */
  server: { id: number };
  bucket: BucketState;
}

/** A remote-write series' newest sample (its duplicate horizon and a counter's last value), stored with the buckets. */
export interface SeriesWrite {
  server: { id: number };
  series: string;
  timeMs: number;
  value: number;
}

/** Per-metric counts as stored: NULL when every metric was counted once per sample (JSON records), the usual case. */
function metricCountsColumn(b: BucketState): Buffer | null {
  if (b.metricCounts.every((c) => c === b.count)) return null;
  return Buffer.from(b.metricCounts.buffer, b.metricCounts.byteOffset, b.metricCounts.byteLength);
}

/** Durable home of the windows; injected so services can be tested against a temporary file. */
export interface WindowStore {
  readonly path: string;
  servers(): ServerRow[];
  /** Every persisted bucket, ascending by start within each server. */
  forEachBucket(visit: (serverId: number, bucket: BucketState) => void): void;
  /** Every stored remote-write series state. */
  forEachSeriesState(visit: (serverId: number, series: string, timeMs: number, value: number) => void): void;
  /** Registers new servers (setting their ids), updates profiles, writes buckets and series states in one transaction. */
  commit(newServers: ServerRow[], profileUpdates: ServerRow[], writes: BucketWrite[], seriesWrites?: SeriesWrite[]): void;
  /** Deletes buckets older than `before` (epoch s) for one server. */
  prune(serverId: number, before: number): number;
  /** Deletes a server with all its buckets and series states. */
  remove(serverId: number): void;
  close(): void;
}

export const WINDOW_STORE = Symbol('WINDOW_STORE');

/** better-sqlite3's name for a database that lives in memory. */
export { IN_MEMORY };

/**
 * SQLite (better-sqlite3, WAL) store. One row per server and step bucket holds exactly the window's
 * bucket state, so a restart rebuilds the windows without replaying samples. Each commit (the
 * requests of one event-loop turn, see WindowService.apply) is one transaction; with synchronous=FULL
 * it is on disk before the api acknowledges any of them.
 */
export class SqliteWindowStore implements WindowStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly insertServer: Database.Statement;
  private readonly updateProfile: Database.Statement;
  private readonly upsertBucket: Database.Statement;
  private readonly deleteOld: Database.Statement;
  private readonly removeTx: (serverId: number) => void;
  private readonly upsertSeries: Database.Statement;
  private readonly commitTx: (
    newServers: ServerRow[],
    profileUpdates: ServerRow[],
    writes: BucketWrite[],
    seriesWrites: SeriesWrite[],
  ) => void;

  /** `dataDir` MEMORY keeps the windows in memory only (cluster mode: the metrics log is the durable copy). */
  constructor(dataDir: string, stepSeconds: number, synchronous: 'FULL' | 'NORMAL' = 'FULL') {
    ({ db: this.db, path: this.path } = openSqliteFile(dataDir, 'windows.sqlite', synchronous));
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS servers (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, profile TEXT
      );
      CREATE TABLE IF NOT EXISTS buckets (
        server_id INTEGER NOT NULL REFERENCES servers(id), start INTEGER NOT NULL,
        sum_cpu REAL NOT NULL, sum_memory REAL NOT NULL, sum_disk REAL NOT NULL, sum_load REAL NOT NULL,
        count INTEGER NOT NULL, seen BLOB NOT NULL, metric_counts BLOB,
        PRIMARY KEY (server_id, start)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS series_states (
        server_id INTEGER NOT NULL REFERENCES servers(id), series TEXT NOT NULL,
        time_ms INTEGER NOT NULL, value REAL NOT NULL,
        PRIMARY KEY (server_id, series)
      ) WITHOUT ROWID;
    `);
    // stores written before per-metric counts: NULL there means every metric was counted `count` times
    const columns = this.db.prepare(`SELECT name FROM pragma_table_info('buckets')`).all() as { name: string }[];
    if (!columns.some((c) => c.name === 'metric_counts')) this.db.exec('ALTER TABLE buckets ADD COLUMN metric_counts BLOB');
    claimLayout(
      this.db,
      'step_seconds',
      String(stepSeconds),
      (stored) => `${this.path} holds ${stored} s buckets but the model steps ${stepSeconds} s: use another DATA_DIR or the matching model`,
    );

    this.insertServer = this.db.prepare('INSERT INTO servers (name, profile) VALUES (?, ?)');
    this.updateProfile = this.db.prepare('UPDATE servers SET profile = ? WHERE id = ?');
    this.upsertBucket = this.db.prepare(`
      INSERT INTO buckets (server_id, start, sum_cpu, sum_memory, sum_disk, sum_load, count, seen, metric_counts)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (server_id, start) DO UPDATE SET sum_cpu = excluded.sum_cpu, sum_memory = excluded.sum_memory,
        sum_disk = excluded.sum_disk, sum_load = excluded.sum_load, count = excluded.count, seen = excluded.seen,
        metric_counts = excluded.metric_counts`);
    this.deleteOld = this.db.prepare('DELETE FROM buckets WHERE server_id = ? AND start < ?');
    this.upsertSeries = this.db.prepare(`
      INSERT INTO series_states (server_id, series, time_ms, value) VALUES (?, ?, ?, ?)
      ON CONFLICT (server_id, series) DO UPDATE SET time_ms = excluded.time_ms, value = excluded.value`);
    const deleteBuckets = this.db.prepare('DELETE FROM buckets WHERE server_id = ?');
    const deleteSeries = this.db.prepare('DELETE FROM series_states WHERE server_id = ?');
    const deleteServer = this.db.prepare('DELETE FROM servers WHERE id = ?');
    this.removeTx = this.db.transaction((serverId: number) => {
      deleteBuckets.run(serverId);
      deleteSeries.run(serverId);
      deleteServer.run(serverId);
    });
    this.commitTx = this.db.transaction(
      (newServers: ServerRow[], profileUpdates: ServerRow[], writes: BucketWrite[], seriesWrites: SeriesWrite[]) => {
        for (const s of newServers) s.id = Number(this.insertServer.run(s.name, s.profile).lastInsertRowid);
        for (const s of profileUpdates) this.updateProfile.run(s.profile, s.id);
        for (const { server, bucket: b } of writes) {
          this.upsertBucket.run(
            server.id,
            b.start,
            b.sums[0],
            b.sums[1],
            b.sums[2],
            b.sums[3],
            b.count,
            Buffer.from(b.seen),
            metricCountsColumn(b),
          );
        }
        for (const w of seriesWrites) this.upsertSeries.run(w.server.id, w.series, w.timeMs, w.value);
      },
    );
  }

  servers(): ServerRow[] {
    return this.db.prepare('SELECT id, name, profile FROM servers ORDER BY id').all() as ServerRow[];
  }

  forEachBucket(visit: (serverId: number, bucket: BucketState) => void): void {
    const rows = this.db
      .prepare(
        'SELECT server_id, start, sum_cpu, sum_memory, sum_disk, sum_load, count, seen, metric_counts FROM buckets ORDER BY server_id, start',
      )
      .iterate() as IterableIterator<{
      server_id: number;
      start: number;
      sum_cpu: number;
      sum_memory: number;
      sum_disk: number;
      sum_load: number;
      count: number;
      seen: Buffer;
      metric_counts: Buffer | null;
    }>;
    for (const r of rows) {
      visit(r.server_id, {
        start: r.start,
        sums: Float64Array.of(r.sum_cpu, r.sum_memory, r.sum_disk, r.sum_load),
        count: r.count,
        metricCounts: r.metric_counts ? new Uint32Array(new Uint8Array(r.metric_counts).buffer) : new Uint32Array(4).fill(r.count),
        seen: new Uint8Array(r.seen),
      });
    }
  }

  commit(newServers: ServerRow[], profileUpdates: ServerRow[], writes: BucketWrite[], seriesWrites: SeriesWrite[] = []): void {
    this.commitTx(newServers, profileUpdates, writes, seriesWrites);
  }

  forEachSeriesState(visit: (serverId: number, series: string, timeMs: number, value: number) => void): void {
    const rows = this.db.prepare('SELECT server_id, series, time_ms, value FROM series_states').iterate() as IterableIterator<{
      server_id: number;
      series: string;
      time_ms: number;
      value: number;
    }>;
    for (const r of rows) visit(r.server_id, r.series, r.time_ms, r.value);
  }

  prune(serverId: number, before: number): number {
    return this.deleteOld.run(serverId, before).changes;
  }

  remove(serverId: number): void {
    this.removeTx(serverId);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
