import type Database from 'better-sqlite3';
import { claimLayout, openSqliteFile } from '../common/sqlite-file';
import { RECORD_LENGTH, type AlertEpisode } from '@tft/forecasting';
import type { MetricName } from '@tft/contracts';

/** One slice of a record's sums: a scope (`fleet`, `profile:<p>`, `server:<name>`), its span (s) and start (epoch s). */
export interface StoredSlice {
  scope: string;
  span: number;
  start: number;
  sums: Float64Array;
}

/** An alert that ended and waits for the breach that decides it (see episodeOutcome). */
export interface EndedEpisode extends AlertEpisode {
  id: string;
  server: string;
  metric: MetricName;
}

/** What one flush writes, in one transaction. */
export interface RecordWrite {
  slices: readonly StoredSlice[];
  /** Servers first seen (their origins are counted from then). */
  servers: readonly { name: string; firstSeen: number }[];
  endedAdded: readonly EndedEpisode[];
  endedRemoved: readonly string[];
  /** Outcomes scored since the process started counting, as the lifetime totals of this store. */
  outcomeTotals: readonly number[];
}

/** Where the track record keeps its sums; injected so the service is tested against a temporary file. */
export interface TrackRecordStore {
  readonly path: string;
  /**
   * Stored slices at or after `from` (by span): of one scope, or with `scope` null of every scope but
   * the servers' (the fleet and the profiles, which are held in memory).
   */
  slices(scope: string | null, from: ReadonlyMap<number, number>): StoredSlice[];
  /** One slice's sums, or null. */
  slice(scope: string, span: number, start: number): Float64Array | null;
  /** When each server was first seen. */
  firstSeen(): Map<string, number>;
  ended(): EndedEpisode[];
  outcomeTotals(): number[];
  write(batch: RecordWrite): void;
  /** Deletes slices of `span` that start before `before`. */
  prune(span: number, before: number): void;
  close(): void;
}

export const TRACK_RECORD_STORE = Symbol('TRACK_RECORD_STORE');

/** Scopes of one server start with this; the fleet's is `fleet`, a profile's `profile:<name>`. */
export const SERVER_SCOPE = 'server:';

/** The record's file in DATA_DIR: one per replica in cluster mode, since each scores the servers it owns. */
export function trackRecordFileName(replicaId: string | null): string {
  return replicaId === null ? 'track-record.sqlite' : `track-record-${replicaId}.sqlite`;
}

const blob = (sums: Float64Array): Buffer => Buffer.from(sums.buffer, sums.byteOffset, sums.byteLength);
const sumsOf = (b: Buffer): Float64Array => {
  const out = new Float64Array(RECORD_LENGTH);
  new Uint8Array(out.buffer).set(b.subarray(0, out.byteLength));
  return out;
};

/**
 * The track record's sums in SQLite (better-sqlite3, WAL): one row per scope, span and slice start with
 * the slice's sums as a blob. The layout of the sums (RECORD_LENGTH) and the step are checked at open, so a
 * file of another layout is refused rather than misread.
 */
export class SqliteTrackRecordStore implements TrackRecordStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly selectSlice: Database.Statement;
  private readonly selectScope: Database.Statement;
  private readonly selectShared: Database.Statement;
  private readonly upsertSlice: Database.Statement;
  private readonly insertServer: Database.Statement;
  private readonly insertEnded: Database.Statement;
  private readonly deleteEnded: Database.Statement;
  private readonly putMeta: Database.Statement;
  private readonly deleteBefore: Database.Statement;
  private readonly writeTx: (batch: RecordWrite) => void;

  constructor(dataDir: string, fileName: string, stepSeconds: number) {
    // NORMAL: a lost tail costs the scores of a few passes, never a corrupt file
    ({ db: this.db, path: this.path } = openSqliteFile(dataDir, fileName, 'NORMAL'));
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS slices (
        scope TEXT NOT NULL, span INTEGER NOT NULL, start INTEGER NOT NULL, sums BLOB NOT NULL,
        PRIMARY KEY (scope, span, start)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS slices_by_start ON slices (span, start);
      CREATE TABLE IF NOT EXISTS servers (name TEXT PRIMARY KEY, first_seen INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ended (
        id TEXT PRIMARY KEY, server TEXT NOT NULL, metric TEXT NOT NULL, start REAL NOT NULL, reach REAL NOT NULL, end REAL NOT NULL
      ) WITHOUT ROWID;
    `);
    const layout = `${RECORD_LENGTH}x${stepSeconds}`;
    claimLayout(
      this.db,
      'layout',
      layout,
      (stored) =>
        `${this.path} holds track-record sums of layout ${stored}, this api writes ${layout} (record length x step seconds): move the file away or use another DATA_DIR`,
    );
    this.putMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.selectSlice = this.db.prepare('SELECT sums FROM slices WHERE scope = ? AND span = ? AND start = ?');
    this.selectScope = this.db.prepare('SELECT scope, span, start, sums FROM slices WHERE scope = ?');
    this.selectShared = this.db.prepare('SELECT scope, span, start, sums FROM slices WHERE scope < ? OR scope >= ?');
    this.upsertSlice = this.db.prepare(
      'INSERT INTO slices (scope, span, start, sums) VALUES (?, ?, ?, ?) ON CONFLICT (scope, span, start) DO UPDATE SET sums = excluded.sums',
    );
    this.insertServer = this.db.prepare('INSERT OR IGNORE INTO servers (name, first_seen) VALUES (?, ?)');
    this.insertEnded = this.db.prepare('INSERT OR REPLACE INTO ended (id, server, metric, start, reach, end) VALUES (?, ?, ?, ?, ?, ?)');
    this.deleteEnded = this.db.prepare('DELETE FROM ended WHERE id = ?');
    this.deleteBefore = this.db.prepare('DELETE FROM slices WHERE span = ? AND start < ?');
    this.writeTx = this.db.transaction((batch: RecordWrite) => {
      for (const s of batch.slices) this.upsertSlice.run(s.scope, s.span, s.start, blob(s.sums));
      for (const s of batch.servers) this.insertServer.run(s.name, s.firstSeen);
      for (const e of batch.endedAdded) this.insertEnded.run(e.id, e.server, e.metric, e.start, e.reach, e.end);
      for (const id of batch.endedRemoved) this.deleteEnded.run(id);
      this.putMeta.run('outcome_totals', JSON.stringify(batch.outcomeTotals));
    });
  }

  slices(scope: string | null, from: ReadonlyMap<number, number>): StoredSlice[] {
    const rows = (scope === null ? this.selectShared.all(SERVER_SCOPE, `${SERVER_SCOPE}\uffff`) : this.selectScope.all(scope)) as {
      scope: string;
      span: number;
      start: number;
      sums: Buffer;
    }[];
    return rows
      .filter((r) => r.start >= (from.get(r.span) ?? Number.POSITIVE_INFINITY))
      .map((r) => ({ scope: r.scope, span: r.span, start: r.start, sums: sumsOf(r.sums) }));
  }

  slice(scope: string, span: number, start: number): Float64Array | null {
    const row = this.selectSlice.get(scope, span, start) as { sums: Buffer } | undefined;
    return row ? sumsOf(row.sums) : null;
  }

  firstSeen(): Map<string, number> {
    const rows = this.db.prepare('SELECT name, first_seen FROM servers').all() as { name: string; first_seen: number }[];
    return new Map(rows.map((r) => [r.name, r.first_seen]));
  }

  ended(): EndedEpisode[] {
    return this.db.prepare('SELECT id, server, metric, start, reach, end FROM ended').all() as EndedEpisode[];
  }

  outcomeTotals(): number[] {
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'outcome_totals'`).get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as number[]) : [];
  }

  write(batch: RecordWrite): void {
    this.writeTx(batch);
  }

  prune(span: number, before: number): void {
    this.deleteBefore.run(span, before);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
