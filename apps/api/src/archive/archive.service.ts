import { Readable, pipeline } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import { Inject, Injectable, Logger, NotFoundException, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import { acceptsGzip } from '../common/http/accepts-gzip';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ApiEvents } from '../snapshot/api-events';
import type { ClosedStep } from '../snapshot/closed-step';
import { WindowService, type ServerEntry } from '../window/window.service';
import { ARCHIVE_STORE, type ArchiveStore, type ExportFilter } from './archive.store';
import { csvChunks } from './export-csv';

/** Closed steps written per transaction when the archive catches up at startup: bounds what is held at once. */
const CATCH_UP_BATCH = 50_000;

/** What GET /export answers while ARCHIVE_RETENTION=0. */
export const NO_ARCHIVE_MESSAGE = 'no archive is kept (ARCHIVE_RETENTION=0): set ARCHIVE_RETENTION, e.g. 14d, to keep one';

/**
 * The long-term archive: every closed step the windows store is written here as it closes (the
 * windows' 'window.closed-steps-stored' event), kept for ARCHIVE_RETENTION of data time and streamed
 * out by GET /export. Nothing of it is held in memory but the store's per-server index.
 */
@Injectable()
export class ArchiveService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Archive');
  private readonly retentionSeconds: number;
  /** Whether the last write failed (logged once per outage, and its end). */
  private failing = false;
  /** The open step archived for each stale server, so the sweep writes it once. */
  private readonly sweptOpen = new WeakMap<ServerEntry, number>();
  private pruning = false;
  private closed = false;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(ARCHIVE_STORE) private readonly store: ArchiveStore | null,
    private readonly windows: WindowService,
    events: ApiEvents,
  ) {
    this.retentionSeconds = config.archiveRetentionSeconds;
    if (store) events.on('window.closed-steps-stored', (steps) => this.write(steps));
  }

  get enabled(): boolean {
    return this.store !== null;
  }

  /**
   * Archives the closed steps the restored windows hold and the archive lacks: steps whose write was
   * lost with the process (the archive syncs less often than the windows), or all of them when the
   * archive is new. Cluster mode starts with empty windows; its replays arrive as events.
   */
  onApplicationBootstrap(): void {
    const store = this.store;
    if (!store || this.windows.size === 0) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const entry of this.windows.all()) {
      if (Number.isFinite(entry.window.newest))
        oldest = Math.min(oldest, entry.window.newest - (this.windows.retentionSteps - 1) * this.windows.stepSeconds);
    }
    if (!Number.isFinite(oldest)) return;
    const newest = store.newestSteps(oldest);
    let batch: ClosedStep[] = [];
    let archived = 0;
    for (const entry of this.windows.all()) {
      for (const step of this.windows.closedStepsAfter(entry, newest.get(entry.name) ?? Number.NEGATIVE_INFINITY)) batch.push(step);
      if (batch.length >= CATCH_UP_BATCH) {
        this.write(batch);
        archived += batch.length;
        batch = [];
      }
    }
    this.write(batch);
    archived += batch.length;
    if (archived) this.logger.log(`archived ${archived} closed steps of the restored windows that ${store.path} lacked`);
  }

  onApplicationShutdown(): void {
    // after every module's onModuleDestroy: the windows' last commit has been archived
    this.closed = true;
    this.store?.close();
  }

  private write(steps: readonly ClosedStep[]): void {
    if (this.closed) return;
    try {
      this.store?.write(steps);
      if (this.failing) this.logger.log('archive writes succeed again');
      this.failing = false;
    } catch (err) {
      // the windows hold these steps for their retention: a restart archives what is missing
      if (!this.failing) this.logger.warn(`could not archive ${steps.length} closed steps: ${(err as Error).message}`);
      this.failing = true;
    }
  }

  /**
   * Archives the open step of each stale server: nothing will close it, since the server sends no
   * next step. Written once per step; a late sample that changes it rewrites it when it closes.
   */
  archiveStaleSteps(): number {
    if (!this.store) return 0;
    const steps: ClosedStep[] = [];
    for (const entry of this.windows.all()) {
      const open = entry.window.newest;
      if (!Number.isFinite(open) || !this.windows.isStale(entry) || this.sweptOpen.get(entry) === open) continue;
      this.sweptOpen.set(entry, open);
      const step = this.windows.stepOf(entry, open);
      if (step) steps.push(step);
    }
    this.write(steps);
    return steps.length;
  }

  /**
   * Deletes what is older than ARCHIVE_RETENTION before the data time, a step at a time with the event
   * loop free in between, then forgets the servers left without rows; returns the rows deleted.
   */
  async prune(): Promise<number> {
    const store = this.store;
    const dataTime = this.windows.dataTime();
    if (!store || dataTime === null || this.pruning || this.closed) return 0;
    this.pruning = true;
    try {
      const before = dataTime - this.retentionSeconds;
      let deleted = 0;
      for (let n = store.pruneOldestStep(before); n > 0; n = this.closed ? 0 : store.pruneOldestStep(before)) {
        deleted += n;
        await nextTurn();
      }
      if (!this.closed) store.dropServersBefore(before);
      return deleted;
    } finally {
      this.pruning = false;
    }
  }

  /**
   * Streams the archived rows `filter` selects as CSV, gzip when the client takes it. Rows are read
   * from SQLite as the response drains (backpressure), so an export of any size holds a chunk or two
   * in memory; a client that goes away ends the read.
   */
  sendExport(filter: ExportFilter, req: Request, res: Response): void {
    const store = this.store;
    if (!store) throw new NotFoundException(NO_ARCHIVE_MESSAGE);
    const gzip = acceptsGzip(req);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="tft-archive.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept-Encoding');
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    if (req.method === 'HEAD') {
      res.end(); // the headers alone: no reason to read the archive
      return;
    }
    const source = Readable.from(exportChunks(store, filter), { objectMode: false });
    const done = (err: NodeJS.ErrnoException | null) => {
      if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') this.logger.warn(`an export ended early: ${err.message}`);
    };
    // level 1: most of what CSV gives, at a fraction of the CPU of the default
    if (gzip) pipeline(source, createGzip({ level: 1 }), res, done);
    else pipeline(source, res, done);
  }
}

/** The CSV of `filter` from a reader opened on the first chunk and closed when the stream ends, however it ends. */
function* exportChunks(store: ArchiveStore, filter: ExportFilter): Generator<string> {
  const reader = store.openReader(filter);
  try {
    yield* csvChunks(reader);
  } finally {
    reader.close();
  }
}
