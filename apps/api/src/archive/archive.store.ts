import Database from 'better-sqlite3';
import { claimLayout, openSqliteFile } from '../common/sqlite-file';
import type { ClosedStep } from '../snapshot/closed-step';

/** Which rows an export reads; every part is optional (all of the archive without any). */
export interface ExportFilter {
  /** First step start included (epoch s). */
  since?: number;
  /** Step starts before this are included (epoch s). */
  until?: number;
  servers?: readonly string[];
  profiles?: readonly string[];
}

/** One archived step as SQLite returns it: start, server id, then the four metrics in fixed point (null = missing). */
export type ArchiveRow = [
  start: number,
  serverId: number,
  cpu: number | null,
  memory: number | null,
  disk: number | null,
  load: number | null,
];

/** An open read of the archive: its own connection and snapshot, so writes go on while an export streams. */
export interface ArchiveReader {
  /** Name and profile of every server of the snapshot, by id. */
  readonly servers: ReadonlyMap<number, { name: string; profile: string | null }>;
  /** The filter's rows, ordered by step start, then server id. */
  rows(): Generator<ArchiveRow>;
  close(): void;
}

/** Where closed steps are archived; injected so services can be tested against a temporary file. */
export interface ArchiveStore {
  readonly path: string;
  write(steps: readonly ClosedStep[]): void;
  /** Deletes the oldest step if it starts before `before`; the rows deleted, 0 once none is older. */
  pruneOldestStep(before: number): number;
  /** Forgets the servers whose rows were all pruned before `before`; their names. */
  dropServersBefore(before: number): string[];
  /** Each archived server's newest step at or after `from`, by name. */
  newestSteps(from: number): Map<string, number>;
  openReader(filter: ExportFilter): ArchiveReader;
  close(): void;
}

export const ARCHIVE_STORE = Symbol('ARCHIVE_STORE');

/**
 * Values are kept as integers in units of 1/ARCHIVE_SCALE (4 decimals): SQLite stores such integers in
 * 3-4 bytes where a REAL takes 8, and the contract's values are sent with fewer decimals than that.
 */
export const ARCHIVE_SCALE = 10_000;

/**
 * A server's `last_start` is written again only once a newer step is this much newer, so the servers
 * table is not rewritten with every step; it only decides when a server whose rows are all pruned goes.
 */
const LAST_START_SLACK_SECONDS = 86_400;

/** A time no step reaches, for filters without bounds. */
const NO_BOUND = 2 ** 53 - 1;

interface ServerState {
  id: number;
  profile: string | null;
  /** `last_start` as stored. */
  lastStart: number;
}

/** The archive's file in DATA_DIR: one per replica in cluster mode, since each archives the partitions it owns. */
export function archiveFileName(replicaId: string | null): string {
  return replicaId === null ? 'archive.sqlite' : `archive-${replicaId}.sqlite`;
}

const toFixedPoint = (v: number): number | null => (Number.isNaN(v) ? null : Math.round(v * ARCHIVE_SCALE));

/**
 * The long-term archive of closed steps (better-sqlite3, WAL), beyond the windows' retention. One row per
 * server and step, keyed by (start, server): steps close in time order, so writes append at the end of
 * the table and pruning cuts at its beginning, and an export over a time range is one range scan. Only
 * a small per-server index (id, profile) is held in memory; rows never are.
 */
export class SqliteArchive implements ArchiveStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly servers = new Map<string, ServerState>();
  private readonly insertServer: Database.Statement;
  private readonly updateServer: Database.Statement;
  private readonly upsertStep: Database.Statement;
  private readonly oldestStart: Database.Statement;
  private readonly deleteBefore: Database.Statement;
  private readonly deleteServers: Database.Statement;
  private readonly writeTx: (steps: readonly ClosedStep[]) => void;

  constructor(
    dataDir: string,
    fileName: string,
    readonly stepSeconds: number,
  ) {
    // NORMAL: steps lost to an OS crash are written again from the restored windows at startup (ArchiveService)
    ({ db: this.db, path: this.path } = openSqliteFile(dataDir, fileName, 'NORMAL'));
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS servers (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, profile TEXT, last_start INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS steps (
        start INTEGER NOT NULL, server_id INTEGER NOT NULL,
        cpu INTEGER, memory INTEGER, disk INTEGER, load INTEGER,
        PRIMARY KEY (start, server_id)
      ) WITHOUT ROWID;
    `);
    claimLayout(
      this.db,
      'step_seconds',
      String(stepSeconds),
      (stored) =>
        `${this.path} archives ${stored} s steps but the model steps ${stepSeconds} s: move the archive away or use another DATA_DIR`,
    );
    this.loadServers();

    this.insertServer = this.db.prepare('INSERT INTO servers (name, profile, last_start) VALUES (?, ?, ?)');
    this.updateServer = this.db.prepare('UPDATE servers SET profile = ?, last_start = ? WHERE id = ?');
    this.upsertStep = this.db.prepare(`
      INSERT INTO steps (start, server_id, cpu, memory, disk, load) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (start, server_id) DO UPDATE SET cpu = excluded.cpu, memory = excluded.memory, disk = excluded.disk,
        load = excluded.load`);
    this.oldestStart = this.db.prepare('SELECT MIN(start) AS start FROM steps');
    this.deleteBefore = this.db.prepare('DELETE FROM steps WHERE start < ?');
    this.deleteServers = this.db.prepare('DELETE FROM servers WHERE last_start < ? RETURNING name');
    this.writeTx = this.db.transaction((steps: readonly ClosedStep[]) => {
      // in key order: the rows land side by side at the end of the table instead of splitting pages
      const rows = steps
        .map((step) => ({ step, server: this.serverOf(step) }))
        .sort((a, b) => a.step.start - b.step.start || a.server.id - b.server.id);
      for (const { step, server } of rows) {
        const m = step.means;
        this.upsertStep.run(step.start, server.id, toFixedPoint(m[0]), toFixedPoint(m[1]), toFixedPoint(m[2]), toFixedPoint(m[3]));
      }
    });
  }

  /** The server index as stored: at startup, and after a failed write rolled back what it had registered. */
  private loadServers(): void {
    this.servers.clear();
    for (const s of this.db.prepare('SELECT id, name, profile, last_start FROM servers').all() as {
      id: number;
      name: string;
      profile: string | null;
      last_start: number;
    }[]) {
      this.servers.set(s.name, { id: s.id, profile: s.profile, lastStart: s.last_start });
    }
  }

  /** The server's state, registering it (or its new profile, or a much newer step) in the open transaction. */
  private serverOf(step: ClosedStep): ServerState {
    let server = this.servers.get(step.server);
    if (!server) {
      const id = Number(this.insertServer.run(step.server, step.profile, step.start).lastInsertRowid);
      server = { id, profile: step.profile, lastStart: step.start };
      this.servers.set(step.server, server);
    } else if (server.profile !== step.profile || step.start > server.lastStart + LAST_START_SLACK_SECONDS) {
      server.profile = step.profile;
      server.lastStart = Math.max(server.lastStart, step.start);
      this.updateServer.run(server.profile, server.lastStart, server.id);
    }
    return server;
  }

  write(steps: readonly ClosedStep[]): void {
    if (!steps.length) return;
    try {
      this.writeTx(steps);
    } catch (err) {
      this.loadServers();
      throw err;
    }
  }

  /** Servers known to the archive. */
  get serverCount(): number {
    return this.servers.size;
  }

  /**
   * Deletes the oldest archived step (every server's row of it) when it starts before `before`; returns
   * the rows deleted, 0 once nothing older is left. One step at a time, so a long backlog is pruned in
   * slices the event loop can run between.
   */
  pruneOldestStep(before: number): number {
    const oldest = (this.oldestStart.get() as { start: number | null }).start;
    if (oldest === null || oldest >= before) return 0;
    return this.deleteBefore.run(Math.min(before, oldest + this.stepSeconds)).changes;
  }

  /** Forgets servers none of whose rows can start at `before` or later (their rows were pruned); returns their names. */
  dropServersBefore(before: number): string[] {
    const names = (this.deleteServers.all(before - LAST_START_SLACK_SECONDS) as { name: string }[]).map((r) => r.name);
    for (const name of names) this.servers.delete(name);
    return names;
  }

  /** Each archived server's newest step at or after `from` (epoch s), by name. */
  newestSteps(from: number): Map<string, number> {
    const rows = this.db
      .prepare(
        'SELECT s.name AS name, MAX(st.start) AS start FROM steps st JOIN servers s ON s.id = st.server_id WHERE st.start >= ? GROUP BY st.server_id',
      )
      .all(from) as { name: string; start: number }[];
    return new Map(rows.map((r) => [r.name, r.start]));
  }

  /** Rows archived, for tests and the bench (a full count scans the table). */
  countRows(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM steps').get() as { n: number }).n;
  }

  /**
   * Opens a read of `filter` on a connection of its own: its snapshot stays fixed however long the
   * export takes (writes and pruning go on; the WAL cannot be checkpointed past it meanwhile).
   */
  openReader(filter: ExportFilter): ArchiveReader {
    const db = new Database(this.path, { readonly: true, fileMustExist: true });
    db.exec('BEGIN'); // one snapshot for the server list and the rows
    const servers = new Map<number, { name: string; profile: string | null }>();
    for (const s of db.prepare('SELECT id, name, profile FROM servers').all() as { id: number; name: string; profile: string | null }[]) {
      servers.set(s.id, { name: s.name, profile: s.profile });
    }
    const since = filter.since ?? -NO_BOUND;
    const until = filter.until ?? NO_BOUND;
    const step = this.stepSeconds;
    let ids: number[] | null = null;
    if (filter.servers || filter.profiles) {
      const names = filter.servers ? new Set(filter.servers) : null;
      const profiles = filter.profiles ? new Set(filter.profiles) : null;
      ids = [];
      for (const [id, s] of servers) {
        if ((!names || names.has(s.name)) && (!profiles || (s.profile !== null && profiles.has(s.profile)))) ids.push(id);
      }
      ids.sort((a, b) => a - b);
    }
    const wanted = ids;
    function* rows(): Generator<ArchiveRow> {
      if (wanted === null) {
        yield* db
          .prepare('SELECT start, server_id, cpu, memory, disk, load FROM steps WHERE start >= ? AND start < ? ORDER BY start, server_id')
          .raw()
          .iterate(since, until) as IterableIterator<ArchiveRow>;
        return;
      }
      if (!wanted.length) return;
      const range = db.prepare('SELECT MIN(start) AS lo, MAX(start) AS hi FROM steps WHERE start >= ? AND start < ?').get(since, until) as {
        lo: number | null;
        hi: number | null;
      };
      if (range.lo === null || range.hi === null) return;
      // a seek per step and server through the (start, server) key rather than a scan of every server's rows
      const atStep = db
        .prepare(
          'SELECT start, server_id, cpu, memory, disk, load FROM steps WHERE start = ? AND server_id IN (SELECT value FROM json_each(?)) ORDER BY server_id',
        )
        .raw();
      const list = JSON.stringify(wanted);
      for (let start = range.lo; start <= range.hi; start += step) {
        yield* atStep.iterate(start, list) as IterableIterator<ArchiveRow>;
      }
    }
    return {
      servers,
      rows,
      close: () => {
        if (db.open) db.close();
      },
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
