import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { profileFromServerName } from '@tft/contracts';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { MODEL_RUNTIME, type ModelRuntime } from '../inference/providers/model-provider';
import { ServerWindow, type AddOutcome } from './server-window';
import { WINDOW_STORE, type BucketWrite, type WindowStore } from './window.store';

export interface ServerEntry {
  id: number;
  name: string;
  /** Declared in records, else inferred from the name prefix, else null (unknown). */
  profile: string | null;
  window: ServerWindow;
}

/** A record that passed validation, reduced to what the window keeps. */
export interface AcceptedSample {
  index: number;
  server: string;
  profile: string | null;
  time: number;
  values: [number, number, number, number];
}

export interface ApplyResult {
  added: number;
  /** Servers whose closed steps changed (a step closed, or a late sample landed in a closed one). */
  closedChanged: number;
  duplicates: number[];
  tooOld: number[];
}

export class StoreWriteError extends Error {}

/**
 * All servers' windows. Samples are applied in memory, then every touched bucket is written in one
 * transaction; only then does the request succeed. If the write fails, the touched servers are
 * reloaded from the store, so memory never holds what the disk does not.
 */
@Injectable()
export class WindowService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Window');
  private readonly servers = new Map<string, ServerEntry>();
  /** Buckets held across the fleet, kept up to date per request (only touched servers can change). */
  private totalBuckets = 0;
  readonly retentionSteps: number;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    @Inject(WINDOW_STORE) private readonly store: WindowStore,
  ) {
    const context = runtime.grid.maxEncoderLength;
    this.retentionSteps = Math.max(config.retentionSteps ?? Math.max(2 * context, 288), context + 1);
  }

  get stepSeconds(): number {
    return this.runtime.grid.stepSeconds;
  }

  onModuleInit(): void {
    const started = Date.now();
    const byId = new Map<number, ServerEntry>();
    for (const s of this.store.servers()) {
      const entry = { ...s, window: new ServerWindow(this.stepSeconds, this.retentionSteps) };
      this.servers.set(s.name, entry);
      byId.set(s.id, entry);
    }
    let buckets = 0;
    this.store.forEachBucket((id, bucket) => {
      byId.get(id)?.window.restore(bucket);
      buckets++;
    });
    this.totalBuckets = this.countAll();
    if (this.servers.size) {
      this.logger.log(`restored ${this.servers.size} servers (${buckets} buckets) from ${this.store.path} in ${Date.now() - started} ms`);
    }
  }

  onModuleDestroy(): void {
    this.store.close();
  }

  get(name: string): ServerEntry | undefined {
    return this.servers.get(name);
  }

  all(): IterableIterator<ServerEntry> {
    return this.servers.values();
  }

  get size(): number {
    return this.servers.size;
  }

  /** Step buckets held across the fleet (the `window_size` of the seed's responses). */
  bucketCount(): number {
    return this.totalBuckets;
  }

  private countAll(): number {
    let n = 0;
    for (const s of this.servers.values()) n += s.window.bucketCount();
    return n;
  }

  apply(samples: readonly AcceptedSample[]): ApplyResult {
    const result: ApplyResult = { added: 0, closedChanged: 0, duplicates: [], tooOld: [] };
    const created: ServerEntry[] = [];
    const profileUpdates: ServerEntry[] = [];
    const touched = new Map<ServerEntry, Set<number>>();
    const before = new Map<ServerEntry, { buckets: number; version: number }>();
    for (const s of samples) {
      let entry = this.servers.get(s.server);
      if (!entry) {
        entry = {
          id: -1,
          name: s.server,
          profile: s.profile ?? profileFromServerName(s.server) ?? null,
          window: new ServerWindow(this.stepSeconds, this.retentionSteps),
        };
        this.servers.set(s.server, entry);
        created.push(entry);
      } else if (s.profile && s.profile !== entry.profile) {
        entry.profile = s.profile;
        if (!profileUpdates.includes(entry)) profileUpdates.push(entry);
      }
      if (!before.has(entry)) before.set(entry, { buckets: entry.window.bucketCount(), version: entry.window.version });
      const outcome: AddOutcome = entry.window.add(s.time, s.values);
      if (outcome === 'added') {
        result.added++;
        const starts = touched.get(entry) ?? new Set<number>();
        starts.add(Math.floor(s.time / this.stepSeconds) * this.stepSeconds);
        touched.set(entry, starts);
      } else if (outcome === 'duplicate') result.duplicates.push(s.index);
      else result.tooOld.push(s.index);
    }
    const writes: BucketWrite[] = [];
    for (const [entry, starts] of touched) {
      for (const start of starts) {
        const bucket = entry.window.bucket(start);
        if (bucket) writes.push({ server: entry, bucket });
      }
    }
    try {
      this.store.commit(created, profileUpdates.filter((e) => e.id >= 0), writes);
    } catch (err) {
      this.rollback([...new Set([...touched.keys(), ...created])]);
      throw new StoreWriteError(`could not store the samples: ${(err as Error).message}`);
    }
    for (const [entry, was] of before) {
      this.totalBuckets += entry.window.bucketCount() - was.buckets;
      if (entry.window.version !== was.version) result.closedChanged++;
    }
    return result;
  }

  /** Rebuilds the given servers from the store after a failed write. */
  private rollback(entries: ServerEntry[]): void {
    const stored = new Map(this.store.servers().map((s) => [s.id, s]));
    const fresh = new Map<number, ServerWindow>();
    for (const e of entries) {
      if (!stored.has(e.id)) {
        this.servers.delete(e.name);
        continue;
      }
      e.window = new ServerWindow(this.stepSeconds, this.retentionSteps);
      fresh.set(e.id, e.window);
    }
    this.store.forEachBucket((id, bucket) => fresh.get(id)?.restore(bucket));
    this.totalBuckets = this.countAll();
    this.logger.error(`store write failed; ${entries.length} servers reloaded from ${this.store.path}`);
  }

  /** Drops persisted buckets that fell out of every window. */
  prune(): number {
    let removed = 0;
    for (const e of this.servers.values()) {
      if (e.id < 0 || !Number.isFinite(e.window.newest)) continue;
      removed += this.store.prune(e.id, e.window.newest - (this.retentionSteps - 1) * this.stepSeconds);
    }
    return removed;
  }
}
