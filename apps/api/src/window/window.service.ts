import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { profileFromServerName } from '@tft/contracts';
import type { SeriesState, SeriesStateChange } from '@tft/remote-write';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ApiEvents } from '../snapshot/api-events';
import type { ClosedStep } from '../snapshot/closed-step';
import { STEP_GRID, type StepGrid } from '../step-grid';
import { ServerWindow, type AddOutcome } from './server-window';
import { WINDOW_STORE, type BucketWrite, type SeriesWrite, type WindowStore } from './window.store';

export interface ServerEntry {
  id: number;
  name: string;
  /** Declared in records, else inferred from the name prefix, else null (unknown). */
  profile: string | null;
  window: ServerWindow;
  /** Time of the newest sample accepted (epoch s). */
  lastSample: number;
}

/** A record that passed validation, reduced to what the window keeps. */
export interface AcceptedSample {
  index: number;
  server: string;
  profile: string | null;
  time: number;
  values: ArrayLike<number>;
  /** Present for a partial sample (remote write): observations behind each value, 0 = metric missing. */
  weights?: ArrayLike<number>;
}

export interface ApplyResult {
  added: number;
  /** Servers whose closed steps changed (a step closed, or a late sample landed in a closed one). */
  serversWithClosedChanges: number;
  duplicates: number[];
  tooOld: number[];
}

export class StoreWriteError extends Error {}

/** Steps kept per server unless RETENTION_STEPS says otherwise: 24 h at 300-s steps. */
export const DEFAULT_RETENTION_STEPS = 288;

/** Requests applied in memory whose writes share the next transaction. */
interface CommitGroup {
  created: ServerEntry[];
  profileUpdates: Set<ServerEntry>;
  touched: Map<ServerEntry, Set<number>>;
  /** Each touched server's newest step before the group's first sample for it: closed if the window moved on. */
  newestBefore: Map<ServerEntry, number>;
  /**
   * Closed steps the group wrote and then moved out of the window (a request spanning more than the
   * retention, as a forwarder's backfill): taken as they leave, so the closed-steps event still has them.
   */
  leftWindow: ClosedStep[];
  /** By server and series: the newest state of each series the group's requests moved. */
  seriesWrites: Map<string, SeriesWrite>;
  /** Whether any request of the group closed or changed a closed step. */
  closedChanges: boolean;
  waiters: { resolve: () => void; reject: (err: Error) => void }[];
}

/**
 * All servers' windows. Samples are applied in memory, then every touched bucket is written in one
 * transaction shared with the requests of the same event-loop turn; only then does a request succeed.
 * If the write fails, the touched servers are reloaded from the store, so memory never keeps what the
 * disk does not. Forecast passes may read samples that are a few milliseconds from durable.
 */
@Injectable()
export class WindowService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Window');
  private readonly servers = new Map<string, ServerEntry>();
  /** Buckets held across the fleet, kept up to date per request (only touched servers can change). */
  private totalBuckets = 0;
  private pending: CommitGroup | null = null;
  /** Remote-write series states read at startup, by server, until the receiver asks for them. */
  private readonly storedSeries = new Map<string, Map<string, SeriesState>>();
  /** The newest sample accepted for any server (epoch s): the data clock. */
  private newestSample = Number.NEGATIVE_INFINITY;
  readonly retentionSteps: number;
  private readonly staleAfterSeconds: number;
  /** RETIRE_AFTER, raised to the retention span so that retiring only drops data retention would drop. */
  readonly retireAfterSeconds: number;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(STEP_GRID) private readonly grid: StepGrid,
    @Inject(WINDOW_STORE) private readonly store: WindowStore,
    @Optional() private readonly events?: ApiEvents,
  ) {
    const context = grid.maxEncoderLength;
    // a day of history for the console by default; never less than the model's context plus the open step
    this.retentionSteps = Math.max(config.retentionSteps ?? DEFAULT_RETENTION_STEPS, context + 1);
    this.staleAfterSeconds = config.staleAfterSeconds;
    this.retireAfterSeconds = Math.max(config.retireAfterSeconds, this.retentionSteps * grid.stepSeconds);
  }

  /**
   * Data time (epoch s): the time of the newest sample accepted for any server, or null before any.
   * Everything derived from the data (forecast passes, alert lifecycles, staleness) runs on this clock,
   * so an accelerated demo and a replay behave as live data does; MAX_FUTURE_SKEW bounds how far it can
   * run ahead of the wall clock.
   */
  dataTime(): number | null {
    return Number.isFinite(this.newestSample) ? this.newestSample : null;
  }

  /** Whether a server sent nothing for STALE_AFTER of data time: kept, but out of counts, warmup and alerts. */
  isStale(entry: ServerEntry): boolean {
    return this.newestSample - entry.lastSample > this.staleAfterSeconds;
  }

  /** Stale servers held (their data is kept until they are retired). */
  staleCount(): number {
    let stale = 0;
    for (const e of this.servers.values()) if (this.isStale(e)) stale++;
    return stale;
  }

  /** Servers that are not stale. */
  *reporting(): IterableIterator<ServerEntry> {
    for (const e of this.servers.values()) if (!this.isStale(e)) yield e;
  }

  get stepSeconds(): number {
    return this.grid.stepSeconds;
  }

  onModuleInit(): void {
    const started = performance.now();
    const byId = new Map<number, ServerEntry>();
    for (const s of this.store.servers()) {
      const entry = {
        ...s,
        window: new ServerWindow(this.stepSeconds, this.retentionSteps),
        lastSample: Number.NEGATIVE_INFINITY,
      };
      this.servers.set(s.name, entry);
      byId.set(s.id, entry);
    }
    let buckets = 0;
    this.store.forEachBucket((id, bucket) => {
      byId.get(id)?.window.restore(bucket);
      buckets++;
    });
    this.store.forEachSeriesState((id, series, timeMs, value) => {
      const name = byId.get(id)?.name;
      if (name === undefined) return;
      let states = this.storedSeries.get(name);
      if (!states) this.storedSeries.set(name, (states = new Map()));
      states.set(series, { timeMs, value });
    });
    this.totalBuckets = this.countAll();
    for (const e of this.servers.values()) {
      e.lastSample = e.window.newestSampleTime();
      this.newestSample = Math.max(this.newestSample, e.lastSample);
    }
    if (this.servers.size) {
      this.logger.log(
        `restored ${this.servers.size} servers (${buckets} buckets) from ${this.store.path} in ${Math.round(performance.now() - started)} ms`,
      );
    }
  }

  onModuleDestroy(): void {
    this.flush(); // a request still waiting for its commit gets it before the store closes
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

  /**
   * Applies the samples in memory and resolves once they are on disk. Requests that arrive in the same
   * event-loop turn share one transaction (group commit): a bucket several of them touched is written
   * once and the disk syncs once, yet no request is answered before its samples are durable. A failed
   * write rejects every request of the group with StoreWriteError.
   */
  apply(samples: readonly AcceptedSample[], seriesStates: readonly SeriesStateChange[] = []): Promise<ApplyResult> {
    const result: ApplyResult = {
      added: 0,
      serversWithClosedChanges: 0,
      duplicates: [],
      tooOld: [],
    };
    if (samples.length === 0 && seriesStates.length === 0) return Promise.resolve(result);
    const group = (this.pending ??= this.openGroup());
    const before = new Map<ServerEntry, { buckets: number; version: number }>();
    for (const s of samples) {
      let entry = this.servers.get(s.server);
      if (!entry) {
        entry = {
          id: -1,
          name: s.server,
          profile: s.profile ?? profileFromServerName(s.server) ?? null,
          window: new ServerWindow(this.stepSeconds, this.retentionSteps),
          lastSample: Number.NEGATIVE_INFINITY,
        };
        this.servers.set(s.server, entry);
        group.created.push(entry);
      } else if (s.profile && s.profile !== entry.profile) {
        entry.profile = s.profile;
        group.profileUpdates.add(entry);
      }
      if (!before.has(entry))
        before.set(entry, {
          buckets: entry.window.bucketCount(),
          version: entry.window.version,
        });
      if (!group.newestBefore.has(entry)) group.newestBefore.set(entry, entry.window.newest);
      if (s.time >= entry.window.newest + this.stepSeconds && this.events?.listens('window.closed-steps-stored'))
        this.keepLeaving(group, entry, Math.floor(s.time / this.stepSeconds) * this.stepSeconds);
      const outcome: AddOutcome = entry.window.add(s.time, s.values, s.weights);
      if (outcome === 'added') {
        result.added++;
        if (s.time > entry.lastSample) entry.lastSample = s.time;
        if (s.time > this.newestSample) this.newestSample = s.time;
        let starts = group.touched.get(entry);
        if (!starts) group.touched.set(entry, (starts = new Set<number>()));
        starts.add(Math.floor(s.time / this.stepSeconds) * this.stepSeconds);
      } else if (outcome === 'duplicate') result.duplicates.push(s.index);
      else result.tooOld.push(s.index);
    }
    for (const [entry, was] of before) {
      this.totalBuckets += entry.window.bucketCount() - was.buckets;
      if (entry.window.version !== was.version) result.serversWithClosedChanges++;
    }
    if (result.serversWithClosedChanges) group.closedChanges = true;
    for (const u of seriesStates) {
      // a server with no sample yet (a counter's first baseline) has no row to attach state to
      const entry = this.servers.get(u.server);
      if (entry)
        group.seriesWrites.set(`${u.server}\u0000${u.series}`, { server: entry, series: u.series, timeMs: u.timeMs, value: u.value });
    }
    return new Promise((resolve, reject) => group.waiters.push({ resolve: () => resolve(result), reject }));
  }

  private openGroup(): CommitGroup {
    // setImmediate runs after the poll phase, so every request parsed in this turn joins the group
    setImmediate(() => this.flush());
    return {
      created: [],
      profileUpdates: new Set(),
      touched: new Map(),
      newestBefore: new Map(),
      leftWindow: [],
      seriesWrites: new Map(),
      closedChanges: false,
      waiters: [],
    };
  }

  /** Writes the open group in one transaction and answers its requests. */
  private flush(): void {
    const group = this.pending;
    if (!group) return;
    this.pending = null;
    const writes: BucketWrite[] = [];
    for (const [entry, starts] of group.touched) {
      for (const start of starts) {
        const bucket = entry.window.bucket(start);
        if (bucket) writes.push({ server: entry, bucket });
      }
    }
    // servers created in this group are inserted with their latest profile
    const profileUpdates = [...group.profileUpdates].filter((e) => e.id >= 0);
    try {
      this.store.commit(group.created, profileUpdates, writes, [...group.seriesWrites.values()]);
    } catch (err) {
      this.rollback([...new Set([...group.touched.keys(), ...group.created])]);
      const failure = new StoreWriteError(`could not store the samples: ${(err as Error).message}`);
      for (const w of group.waiters) w.reject(failure);
      return;
    }
    for (const w of group.waiters) w.resolve();
    if (group.closedChanges) {
      if (this.events?.listens('window.closed-steps-stored')) this.events.emit('window.closed-steps-stored', this.closedStepsOf(group));
      this.events?.emit('window.steps-closed');
    }
  }

  /**
   * Before a sample moves a server's window up to `start`: the steps this group wrote (or closed) that
   * the move pushes out of the retention are taken now, while the window still holds them.
   */
  private keepLeaving(group: CommitGroup, entry: ServerEntry, start: number): void {
    const keptFrom = start - (this.retentionSteps - 1) * this.stepSeconds;
    const leaving = new Set<number>();
    const starts = group.touched.get(entry);
    for (const st of starts ?? []) if (st < keptFrom) leaving.add(st);
    const wasOpen = group.newestBefore.get(entry);
    if (wasOpen !== undefined && Number.isFinite(wasOpen) && wasOpen < keptFrom) {
      leaving.add(wasOpen);
      group.newestBefore.set(entry, Number.NEGATIVE_INFINITY); // taken here, not again at the commit
    }
    for (const st of leaving) {
      const step = this.stepOf(entry, st);
      if (step) group.leftWindow.push(step);
      starts?.delete(st);
    }
  }

  /** The closed steps a committed group wrote: those it closed and closed ones its late samples changed. */
  private closedStepsOf(group: CommitGroup): ClosedStep[] {
    const steps: ClosedStep[] = [...group.leftWindow];
    const add = (entry: ServerEntry, start: number) => {
      const step = this.stepOf(entry, start);
      if (step) steps.push(step);
    };
    for (const [entry, starts] of group.touched) {
      const newest = entry.window.newest;
      for (const start of starts) if (start < newest) add(entry, start);
      const wasOpen = group.newestBefore.get(entry);
      if (wasOpen !== undefined && wasOpen < newest && !starts.has(wasOpen)) add(entry, wasOpen);
    }
    return steps;
  }

  /** A server's step as the archive keeps it (the means of its samples), or null when the window holds none there. */
  stepOf(entry: ServerEntry, start: number): ClosedStep | null {
    const bucket = entry.window.bucket(start);
    if (!bucket || bucket.count === 0) return null;
    const means = new Float64Array(bucket.sums.length);
    for (let m = 0; m < means.length; m++) means[m] = bucket.metricCounts[m] ? bucket.sums[m] / bucket.metricCounts[m] : Number.NaN;
    return { server: entry.name, profile: entry.profile, start, means };
  }

  /** A server's closed steps after `after` (epoch s), oldest first: what an archive that stopped at `after` lacks. */
  closedStepsAfter(entry: ServerEntry, after: number): ClosedStep[] {
    const S = this.stepSeconds;
    const newest = entry.window.newest;
    if (!Number.isFinite(newest)) return [];
    const steps: ClosedStep[] = [];
    for (let start = Math.max(after + S, newest - (this.retentionSteps - 1) * S); start < newest; start += S) {
      const step = this.stepOf(entry, start);
      if (step) steps.push(step);
    }
    return steps;
  }

  /** The remote-write series states stored for a server at startup (once: the receiver keeps them from then on). */
  takeStoredSeries(server: string): Map<string, SeriesState> | undefined {
    const states = this.storedSeries.get(server);
    this.storedSeries.delete(server);
    return states;
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
    for (const e of entries) if (fresh.has(e.id)) e.lastSample = e.window.newestSampleTime();
    this.newestSample = Number.NEGATIVE_INFINITY;
    for (const e of this.servers.values()) this.newestSample = Math.max(this.newestSample, e.lastSample);
    this.totalBuckets = this.countAll();
    this.logger.error(`store write failed; ${entries.length} servers reloaded from ${this.store.path}`);
  }

  /**
   * Removes servers that sent nothing for RETIRE_AFTER of data time, with their stored data (all of it
   * older than the retention window by then); returns their names. A retired server that reports again
   * starts afresh.
   */
  retireIdle(): string[] {
    const idle = [...this.servers.values()].filter((e) => e.id >= 0 && this.newestSample - e.lastSample > this.retireAfterSeconds);
    const retired = this.retire(idle);
    if (retired.length) this.logger.log(`retired ${retired.length} servers without data for ${this.retireAfterSeconds} s of data time`);
    return retired;
  }

  /**
   * Retires up to `count` stale servers early, the longest silent first, to make room for new ones
   * under MAX_SERVERS; returns their names (fewer, or none, when fewer are stale).
   */
  retireStale(count: number): string[] {
    if (count <= 0) return [];
    const stale = [...this.servers.values()].filter((e) => e.id >= 0 && this.isStale(e)).sort((a, b) => a.lastSample - b.lastSample);
    const retired = this.retire(stale.slice(0, count));
    if (retired.length) this.logger.log(`retired ${retired.length} stale servers early to make room for new ones (MAX_SERVERS)`);
    return retired;
  }

  private retire(entries: readonly ServerEntry[]): string[] {
    for (const e of entries) {
      this.store.remove(e.id);
      this.servers.delete(e.name);
      this.totalBuckets -= e.window.bucketCount();
    }
    const names = entries.map((e) => e.name);
    if (names.length) this.events?.emit('window.retired', names);
    return names;
  }

  /**
   * Drops every server `keep` refuses, with its stored rows, and returns their names: in cluster mode
   * the servers of partitions this replica no longer owns (their new owner replays them from the log).
   */
  release(keep: (server: string) => boolean): string[] {
    this.flush();
    const released: string[] = [];
    for (const e of this.servers.values()) {
      if (keep(e.name)) continue;
      if (e.id >= 0) this.store.remove(e.id);
      this.servers.delete(e.name);
      this.totalBuckets -= e.window.bucketCount();
      released.push(e.name);
    }
    return released;
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
