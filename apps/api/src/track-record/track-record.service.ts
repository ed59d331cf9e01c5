import { Inject, Injectable, Logger, NotFoundException, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { METRICS } from '@tft/contracts';
import {
  ALERT_OUTCOMES,
  ALL_BUCKET,
  addRecord,
  BreachOnsetDetector,
  countOutcome,
  episodeOutcome,
  firstScoredOrigin,
  isoSeconds,
  newRecord,
  originBytes,
  originForecast,
  RECORD_LENGTH,
  recordBucketOf,
  recordBuckets,
  recordOutcomes,
  scoreStep,
  type AlertOutcome,
  type OriginForecast,
  type RecordBucket,
  type RecordOutcomes,
  type StepSeries,
} from '@tft/forecasting';
import { AlertsService } from '../alerts/alerts.service';
import { OWNER_READS, type OwnerReads } from '../common/owner-reads';
import { OWNERSHIP, type Ownership } from '../common/ownership';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import type { AlertTransitions } from '../snapshot/alert';
import { ApiEvents } from '../snapshot/api-events';
import type { ClosedStep } from '../snapshot/closed-step';
import type { ForecastSnapshot, NewForecast } from '../snapshot/forecast-snapshot';
import { STEP_GRID, type StepGrid } from '../step-grid';
import { WindowService } from '../window/window.service';
import { keptFrom, originPhase, RECORD_WINDOWS, sliceStart, SPANS, WINDOW_SPANS, windowFrom, type RecordWindow } from './record-windows';
import type { AccuracyDto, AccuracyQueryDto, RecordBlockDto, ServerTrackRecordDto } from './dto/accuracy.dto';
import { SERVER_SCOPE, TRACK_RECORD_STORE, type EndedEpisode, type StoredSlice, type TrackRecordStore } from './track-record.store';

export const FLEET_SCOPE = 'fleet';
export const profileScope = (profile: string | null): string => `profile:${profile ?? 'unknown'}`;
const serverScope = (server: string): string => `${SERVER_SCOPE}${server}`;
const sliceKey = (scope: string, span: number, start: number): string => `${scope}\u0000${span}\u0000${start}`;

/** Onsets kept per server and metric: enough for the alerts that wait on them. */
const ONSETS_KEPT = 32;

/** An alert firing here, as the record follows it (data time, epoch s). */
interface FiringEpisode {
  server: string;
  metric: (typeof METRICS)[number];
  start: number;
  reach: number;
  end: number;
  /** The alert's last_seen when last looked at: a new one means its condition held again. */
  lastSeen: string;
}

interface ServerState {
  profile: string | null;
  /** Start of the first step the record saw (epoch s): origins come a day of history later. */
  firstSeen: number;
  phase: number;
  /** Start of the newest step handed in (epoch s). */
  lastStep: number;
  pending: OriginForecast[];
  /** The slices being filled, its hour and its day, by span. */
  open: Map<number, StoredSlice>;
  detectors: BreachOnsetDetector[];
  onsets: number[][];
  ended: EndedEpisode[];
}

/** One scope's figures over a window. */
export interface RecordBlock {
  buckets: RecordBucket[];
  alerts: RecordOutcomes;
}

/** What the record holds in memory, for docs/OPERATIONS.md's sizing and the bench. */
export interface RecordMemory {
  servers: number;
  pendingOrigins: number;
  /** Typed-array bytes of the pending origins and open slices (object headers aside). */
  bytes: number;
}

/**
 * The live track record: every forecast pass's TFT forecasts are kept at strided origins (every
 * TRACK_RECORD_ORIGIN_EVERY steps per server) with what rebuilds persistence and seasonal naive at
 * the same origins, and each closed step is scored against every kept forecast that covers it, into
 * running sums per hour and per day for the server, its profile and the fleet (@tft/forecasting's
 * scoreStep: the backtest's rules). Alerts that end are scored against the breaches that follow
 * (episodeOutcome: alert-quality's rules). The sums are persisted; forecasts are not.
 */
@Injectable()
export class TrackRecordService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TrackRecord');
  private readonly S: number;
  private readonly H: number;
  private readonly every: number;
  private readonly alertForSeconds: number;
  /** Warning thresholds by profile, for the breach detectors. */
  private readonly warnings = new Map<string | null, Float64Array>();
  private readonly firstOrigin: number;
  private readonly bucketOf: Int32Array;
  private readonly servers = new Map<string, ServerState>();
  private readonly firing = new Map<string, FiringEpisode>();
  /** Fleet and profile slices, by scope, then span and start. */
  private readonly shared = new Map<string, Map<string, StoredSlice>>();
  /** Other replicas' fleet and profile slices (cluster mode), by replica, then slice key. */
  private readonly peers = new Map<string, Map<string, StoredSlice>>();
  private readonly storedFirstSeen: Map<string, number>;
  private readonly outcomeTotals: number[];
  /** What the next flush writes. */
  private dirty = new Map<string, StoredSlice>();
  private newServers: { name: string; firstSeen: number }[] = [];
  private endedAdded: EndedEpisode[] = [];
  private endedRemoved: string[] = [];
  /** Fleet and profile slices changed since cluster mode last took them to share. */
  private unshared = new Map<string, StoredSlice>();
  private readonly sharing: boolean;
  private prunedAt = Number.NEGATIVE_INFINITY;
  private failing = false;
  private closed = false;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(STEP_GRID) grid: StepGrid,
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    @Inject(TRACK_RECORD_STORE) private readonly store: TrackRecordStore,
    private readonly windows: WindowService,
    private readonly alerts: AlertsService,
    events: ApiEvents,
    @Inject(OWNERSHIP) private readonly ownership: Ownership,
    @Optional() @Inject(OWNER_READS) private readonly cluster?: OwnerReads,
  ) {
    // a server's own record is its owner's: another replica's GET /accuracy?server= asks it here
    cluster?.answer('accuracy', (server, window) => {
      const block = this.serverBlocks(server, [window as RecordWindow])?.[0];
      return block ? Buffer.from(JSON.stringify(blockDto(block))) : null;
    });
    this.S = grid.stepSeconds;
    this.H = grid.horizon;
    this.every = config.trackRecordOriginEvery;
    this.firstOrigin = firstScoredOrigin(grid.maxEncoderLength, grid.stepSeconds);
    this.bucketOf = recordBucketOf(this.H, this.S);
    this.alertForSeconds = config.alertForSeconds;
    this.sharing = config.natsUrl !== undefined;
    this.storedFirstSeen = store.firstSeen();
    const totals = store.outcomeTotals();
    this.outcomeTotals = ALERT_OUTCOMES.map((_, i) => totals[i] ?? 0);
    events.on('window.closed-steps-stored', (steps) => this.onClosedSteps(steps));
    events.on('forecast.snapshot', (snapshot) => this.onSnapshot(snapshot));
    events.on('window.retired', (names) => this.forget(names));
  }

  /**
   * Once the windows are restored: the stored fleet and profile slices the windows still reach (shared
   * again in cluster mode), the
   * alerts still waiting for their outcome, and the restored windows' closed steps through the breach
   * detectors (an onset needs the hour before it), so an alert that ends soon after a restart is
   * scored against what happened before it too.
   */
  onApplicationBootstrap(): void {
    for (const slice of this.store.slices(null, keptFrom(this.dataTime()))) {
      const key = sliceKey(slice.scope, slice.span, slice.start);
      this.sharedMap(slice.scope).set(key, slice);
      if (this.sharing) this.unshared.set(key, slice); // shared again: the bucket may have lost them meanwhile
    }
    for (const entry of this.windows.all()) {
      const steps = this.windows.closedStepsAfter(entry, Number.NEGATIVE_INFINITY);
      if (!steps.length) continue;
      const state = this.state(entry.name, entry.profile, steps[0].start);
      for (const step of steps) this.detect(state, step.start, step.means);
    }
    for (const e of this.store.ended()) this.state(e.server, null, e.start).ended.push(e);
  }

  onApplicationShutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const state of this.servers.values()) for (const slice of state.open.values()) this.markDirty(slice);
    this.flush();
    this.store.close();
  }

  // ---- scoring ------------------------------------------------------------------------------------

  /** Each server's newly closed steps, in time order: scored against its kept forecasts, and watched for breaches. */
  private onClosedSteps(steps: readonly ClosedStep[]): void {
    if (this.closed) return;
    const ordered = [...steps].sort((a, b) => a.start - b.start);
    for (const step of ordered) {
      const state = this.state(step.server, step.profile, step.start);
      // a late sample that changed a step already scored changes nothing: what was scored stays
      if (step.start <= state.lastStep) continue;
      state.profile = step.profile;
      if (state.pending.length) {
        const values = Float64Array.from(step.means, (v) => Math.fround(v)); // the step as the model and the backtest see it
        scoreStep(state.pending, step.start, values, this.recordsAt(step.server, state, step.start), {
          horizon: this.H,
          stepSeconds: this.S,
          bucketOf: this.bucketOf,
        });
        const horizonEnd = this.H * this.S;
        if (state.pending.some((o) => o.origin + horizonEnd <= step.start))
          state.pending = state.pending.filter((o) => o.origin + horizonEnd > step.start);
      }
      this.detect(state, step.start, step.means);
      this.decide(step.server, state);
    }
  }

  private onSnapshot(snapshot: ForecastSnapshot): void {
    if (this.closed) return;
    const reforecast = new Map<string, NewForecast>();
    for (const f of snapshot.forecasts) {
      reforecast.set(f.server, f);
      if (this.isTft(f)) this.keepOrigin(f);
    }
    this.followAlerts(snapshot.alerts, reforecast);
    this.prune();
    this.flush();
  }

  /** A forecast of the TFT (not the heuristic standing in for a missing model). */
  private isTft(f: NewForecast): boolean {
    if (f.model !== 'TFT') return false;
    return f.modelVersion !== undefined ? f.modelVersion !== null : this.runtime.tft !== null;
  }

  /** Keeps a forecast made at one of the server's origins, with the baselines from the same window, and scores what already closed after it. */
  private keepOrigin(f: NewForecast): void {
    const S = this.S;
    const index = Math.round(f.origin / S);
    const state = this.state(f.server, f.profile, f.origin);
    if ((index + state.phase) % this.every !== 0) return;
    if (f.origin - state.firstSeen < this.firstOrigin * S) return; // less than a day of history: seasonal naive has nothing to go on
    if (state.pending.some((o) => o.origin === f.origin)) return; // a re-forecast of the same origin: the first one stands
    const series = this.windows.get(f.server)?.window.series(false);
    if (!series) return;
    const i = Math.round((f.origin - series.t0) / S);
    if (i < 0 || i >= series.length) return;
    const grid = this.runtime.grid;
    const kept = originForecast(series, i, f.quantiles, {
      horizon: this.H,
      maxEncoder: grid.maxEncoderLength,
      minEncoder: grid.minEncoderLength,
    });
    if (!kept) return;
    // steps that closed while the pass ran belong to this origin's horizon too
    for (let j = i + 1; j < series.length; j++) {
      const start = series.t0 + j * S;
      if (start > state.lastStep) break;
      scoreStep([kept], start, valuesAt(series, j), this.recordsAt(f.server, state, start), {
        horizon: this.H,
        stepSeconds: S,
        bucketOf: this.bucketOf,
      });
    }
    state.pending.push(kept);
  }

  /** The sums a target of `server` at `start` adds to: its own, its profile's and the fleet's, per hour and per day. */
  private recordsAt(server: string, state: ServerState, start: number): Float64Array[] {
    const out: Float64Array[] = [];
    for (const span of SPANS) {
      const at = sliceStart(start, span);
      out.push(this.serverSlice(server, state, span, at));
      for (const scope of [FLEET_SCOPE, profileScope(state.profile)]) {
        const slice = this.sharedSlice(scope, span, at);
        this.markDirty(slice);
        if (this.sharing) this.unshared.set(sliceKey(scope, span, at), slice);
        out.push(slice.sums);
      }
    }
    return out;
  }

  /**
   * A server's slice of `span` starting at `at`. The newest is held open and written once complete
   * (or at shutdown); an older one (a step scored late) is read back and written with the next flush.
   */
  private serverSlice(server: string, state: ServerState, span: number, at: number): Float64Array {
    const scope = serverScope(server);
    const open = state.open.get(span);
    if (open?.start === at) return open.sums;
    const slice = this.dirty.get(sliceKey(scope, span, at)) ?? {
      scope,
      span,
      start: at,
      sums: this.store.slice(scope, span, at) ?? newRecord(),
    };
    if (open && at < open.start) {
      this.markDirty(slice);
      return slice.sums;
    }
    if (open) this.markDirty(open);
    state.open.set(span, slice);
    return slice.sums;
  }

  // ---- alerts ---------------------------------------------------------------------------------------

  /**
   * Follows every alert while it fires, on the times alert-quality uses: each pass that re-forecast its
   * server is one observation at the end of the forecast's origin step; it reaches as far as it
   * predicted when its condition held, and it ends at its last observation before it resolved.
   */
  private followAlerts(t: AlertTransitions, reforecast: ReadonlyMap<string, NewForecast>): void {
    const raised = new Set(t.raised.map((a) => a.id));
    for (const a of t.firing) {
      const f = reforecast.get(a.server);
      if (!f) continue;
      const time = f.origin + this.S;
      let e = this.firing.get(a.id);
      if (!e) {
        // taken over from another replica: it fired when its condition had held ALERT_FOR
        const fired = raised.has(a.id) ? time : Math.min(time, Date.parse(a.first_seen) / 1000 + this.alertForSeconds);
        e = { server: a.server, metric: a.metric, start: fired, reach: fired, end: fired, lastSeen: '' };
        this.firing.set(a.id, e);
      }
      if (a.last_seen !== e.lastSeen) {
        e.reach = Math.max(e.reach, time + a.minutes_ahead * 60);
        e.lastSeen = a.last_seen;
      }
      e.end = Math.max(e.end, time);
    }
    for (const a of t.resolved) {
      const e = this.firing.get(a.id);
      if (!e) continue;
      this.firing.delete(a.id);
      const ended: EndedEpisode = {
        id: `${a.id}@${e.start}`,
        server: e.server,
        metric: e.metric,
        start: e.start,
        reach: e.reach,
        end: e.end,
      };
      const state = this.state(e.server, null, e.start);
      state.ended.push(ended);
      this.endedAdded.push(ended);
      this.decide(e.server, state);
    }
    // gone with their server, or going on at another replica, which scores them when they end
    for (const a of t.dropped) this.firing.delete(a.id);
    for (const id of t.handedOver) this.firing.delete(id);
  }

  /** Hands a step to the server's breach detectors (warning thresholds of its profile). */
  private detect(state: ServerState, start: number, means: ArrayLike<number>): void {
    if (start <= state.lastStep) return;
    state.lastStep = start;
    let warning = this.warnings.get(state.profile);
    if (!warning) {
      const thresholds = this.alerts.thresholds(state.profile);
      this.warnings.set(state.profile, (warning = Float64Array.from(METRICS, (metric) => thresholds[metric].warning)));
    }
    for (let m = 0; m < METRICS.length; m++) {
      const v = means[m];
      const onset = state.detectors[m].step(start, Number.isNaN(v) ? null : Math.fround(v), warning[m]);
      if (onset === null) continue;
      const onsets = state.onsets[m];
      onsets.push(onset);
      if (onsets.length > ONSETS_KEPT) onsets.shift();
    }
  }

  /** Scores the server's ended alerts whose outcome its steps so far decide. */
  private decide(server: string, state: ServerState): void {
    if (!state.ended.length) return;
    const still: EndedEpisode[] = [];
    for (const e of state.ended) {
      const outcome = episodeOutcome(e, state.onsets[METRICS.indexOf(e.metric)], state.lastStep, this.S);
      if (outcome === null) still.push(e);
      else this.scoreAlert(server, state, outcome, e.id);
    }
    state.ended = still;
  }

  /** Counts an alert's outcome in the slices of the step that decided it. */
  private scoreAlert(server: string, state: ServerState, outcome: AlertOutcome, id: string): void {
    for (const sums of this.recordsAt(server, state, state.lastStep)) countOutcome(sums, outcome);
    this.outcomeTotals[ALERT_OUTCOMES.indexOf(outcome)]++;
    this.endedRemoved.push(id);
  }

  // ---- state ----------------------------------------------------------------------------------------

  private state(server: string, profile: string | null, seenAt: number): ServerState {
    let state = this.servers.get(server);
    if (!state) {
      // the windows' closed steps all reach the record (restored ones at startup, the rest as they close), so the first one it sees is the server's first
      let firstSeen = this.storedFirstSeen.get(server);
      if (firstSeen === undefined) {
        firstSeen = seenAt;
        this.newServers.push({ name: server, firstSeen });
        this.storedFirstSeen.set(server, firstSeen);
      }
      state = {
        profile: profile ?? this.windows.get(server)?.profile ?? null,
        firstSeen,
        phase: originPhase(server, this.every),
        lastStep: Number.NEGATIVE_INFINITY,
        pending: [],
        open: new Map(),
        detectors: METRICS.map(() => new BreachOnsetDetector(this.S)),
        onsets: METRICS.map(() => []),
        ended: [],
      };
      this.servers.set(server, state);
    }
    return state;
  }

  /** Retired servers leave memory; their slices stay until they age out. */
  private forget(names: readonly string[]): void {
    for (const name of names) {
      const state = this.servers.get(name);
      if (!state) continue;
      for (const slice of state.open.values()) this.markDirty(slice);
      for (const e of state.ended) this.endedRemoved.push(e.id);
      this.servers.delete(name);
    }
  }

  private sharedMap(scope: string): Map<string, StoredSlice> {
    let map = this.shared.get(scope);
    if (!map) this.shared.set(scope, (map = new Map()));
    return map;
  }

  private sharedSlice(scope: string, span: number, start: number): StoredSlice {
    const map = this.sharedMap(scope);
    const key = sliceKey(scope, span, start);
    let slice = map.get(key);
    if (!slice) map.set(key, (slice = { scope, span, start, sums: newRecord() }));
    return slice;
  }

  private markDirty(slice: StoredSlice): void {
    this.dirty.set(sliceKey(slice.scope, slice.span, slice.start), slice);
  }

  /** Drops slices no window reaches any more, once per hour of data time. */
  private prune(): void {
    const now = this.windows.dataTime();
    if (now === null || now - this.prunedAt < 3600) return;
    this.prunedAt = now;
    const from = keptFrom(now);
    for (const map of [...this.shared.values(), ...this.peers.values()]) {
      for (const [key, slice] of map) if (slice.start < (from.get(slice.span) ?? 0)) map.delete(key);
    }
    try {
      for (const [span, before] of from) this.store.prune(span, before);
    } catch (err) {
      this.logger.warn(`could not prune ${this.store.path}: ${(err as Error).message}`);
    }
  }

  /** Writes what changed in one transaction; a failed write is kept and tried again with the next. */
  private flush(): void {
    if (!this.dirty.size && !this.newServers.length && !this.endedAdded.length && !this.endedRemoved.length) return;
    try {
      this.store.write({
        slices: [...this.dirty.values()],
        servers: this.newServers,
        endedAdded: this.endedAdded,
        endedRemoved: this.endedRemoved,
        outcomeTotals: this.outcomeTotals,
      });
      this.dirty = new Map();
      this.newServers = [];
      this.endedAdded = [];
      this.endedRemoved = [];
      if (this.failing) this.logger.log(`${this.store.path} is written again`);
      this.failing = false;
    } catch (err) {
      if (!this.failing)
        this.logger.warn(`could not write the track record to ${this.store.path} (${(err as Error).message}); retrying with each pass`);
      this.failing = true;
    }
  }

  // ---- reads ----------------------------------------------------------------------------------------

  /** GET /accuracy; in cluster mode a server another replica owns has its own record there, and is asked of it. */
  async accuracy(q: AccuracyQueryDto): Promise<AccuracyDto> {
    const window = q.window?.[0] ?? '24h';
    return {
      window,
      data_time: isoSeconds(this.dataTime()),
      origin_every_steps: this.every,
      fleet: blockDto(this.fleet(window)),
      profiles: this.profiles(window, q.profile).map(({ profile, block }) => ({ profile, ...blockDto(block) })),
      server: q.server === undefined ? null : { server_name: q.server, ...(await this.serverBlockDto(q.server, window)) },
    };
  }

  private async serverBlockDto(server: string, window: RecordWindow): Promise<RecordBlockDto> {
    if (!this.cluster || this.ownership.forecasts(server)) return blockDto(this.server(server, window));
    const remote = await this.cluster.fromOwner('accuracy', server, window);
    if (remote) return JSON.parse(remote.toString('utf8')) as RecordBlockDto;
    return blockDto(this.server(server, window)); // the owner knows it not: this replica's answer (404) says why
  }

  /** The block of GET /servers/{name}; null for a server the record knows nothing of. */
  serverRecord(name: string): ServerTrackRecordDto | null {
    const blocks = this.serverBlocks(name, ['24h', '7d']);
    return blocks && { last_24h: blockDto(blocks[0]), last_7d: blockDto(blocks[1]) };
  }

  /** Data time reads are answered at: the newest sample (epoch s), or 0 before any. */
  dataTime(): number {
    return this.windows.dataTime() ?? 0;
  }

  /** The fleet's figures (with every replica's sums in cluster mode) over a window. */
  fleet(window: RecordWindow): RecordBlock {
    return this.block(this.sharedSums(FLEET_SCOPE, window));
  }

  /** Profiles with sums in the window, by name, or those asked for. */
  profiles(window: RecordWindow, only?: readonly string[]): { profile: string; block: RecordBlock }[] {
    const scopes = new Set<string>();
    for (const map of [this.shared, ...this.peers.values()]) {
      for (const key of map.keys()) {
        const scope = key.split('\u0000')[0];
        if (scope.startsWith('profile:')) scopes.add(scope);
      }
    }
    const names = only ?? [...scopes].map((s) => s.slice('profile:'.length));
    return [...names].sort().map((profile) => ({ profile, block: this.block(this.sharedSums(profileScope(profile), window)) }));
  }

  /** One server's figures over a window, from its stored slices and its open ones; 404 for a server without a record here. */
  server(name: string, window: RecordWindow): RecordBlock {
    const block = this.serverBlocks(name, [window])?.[0];
    if (!block) throw new NotFoundException(`server "${name.slice(0, 128)}" has no track record: no data was received for it`);
    return block;
  }

  /** A server's figures over each window; null when the record knows nothing of it. */
  serverBlocks(name: string, windows: readonly RecordWindow[] = RECORD_WINDOWS): RecordBlock[] | null {
    const scope = serverScope(name);
    const now = this.dataTime();
    const state = this.servers.get(name);
    const stored = this.store.slices(scope, keptFrom(now));
    if (!state && !stored.length && !this.windows.get(name)) return null;
    // the newest copy of each slice: the one being filled, else one waiting for the next flush, else the stored one
    const latest = new Map<string, StoredSlice>(stored.map((s) => [sliceKey(scope, s.span, s.start), s]));
    for (const window of windows) {
      const { span, slices } = WINDOW_SPANS[window];
      for (let k = 0, start = windowFrom(window, now); k < slices; k++, start += span) {
        const waiting = this.dirty.get(sliceKey(scope, span, start));
        if (waiting) latest.set(sliceKey(scope, span, start), waiting);
      }
    }
    for (const s of state?.open.values() ?? []) latest.set(sliceKey(scope, s.span, s.start), s);
    return windows.map((window) => {
      const from = windowFrom(window, now);
      const { span } = WINDOW_SPANS[window];
      const sums = newRecord();
      for (const s of latest.values()) if (s.span === span && s.start >= from) addRecord(sums, s.sums);
      return this.block(sums);
    });
  }

  private sharedSums(scope: string, window: RecordWindow): Float64Array {
    const { span } = WINDOW_SPANS[window];
    const from = windowFrom(window, this.dataTime());
    const sums = newRecord();
    for (const map of [this.shared.get(scope), ...this.peers.values()]) {
      for (const slice of map?.values() ?? [])
        if (slice.scope === scope && slice.span === span && slice.start >= from) addRecord(sums, slice.sums);
    }
    return sums;
  }

  private block(sums: Float64Array): RecordBlock {
    return { buckets: recordBuckets(sums, this.H, this.S), alerts: recordOutcomes(sums) };
  }

  /** Alert outcomes this replica scored since its store began, by outcome (tft_alert_outcomes_total). */
  outcomes(): Record<AlertOutcome, number> {
    return Object.fromEntries(ALERT_OUTCOMES.map((o, i) => [o, this.outcomeTotals[i]])) as Record<AlertOutcome, number>;
  }

  // ---- cluster --------------------------------------------------------------------------------------

  /** Fleet and profile slices changed since the last call: what cluster mode shares with the other replicas. */
  takeShared(): StoredSlice[] {
    const out = [...this.unshared.values()].map((s) => ({ ...s, sums: s.sums.slice() }));
    this.unshared = new Map();
    return out;
  }

  /** Another replica's slice as it shared it (the latest replaces the one before). */
  mergePeer(replica: string, slice: StoredSlice): void {
    if (slice.sums.length !== RECORD_LENGTH) return;
    let map = this.peers.get(replica);
    if (!map) this.peers.set(replica, (map = new Map()));
    map.set(sliceKey(slice.scope, slice.span, slice.start), slice);
  }

  // ---- sizing ---------------------------------------------------------------------------------------

  memory(): RecordMemory {
    let pendingOrigins = 0;
    let bytes = 0;
    for (const state of this.servers.values()) {
      pendingOrigins += state.pending.length;
      bytes += state.pending.length * originBytes(this.H) + state.open.size * RECORD_LENGTH * 8;
    }
    return { servers: this.servers.size, pendingOrigins, bytes };
  }
}

function blockDto(block: RecordBlock): RecordBlockDto {
  const all = block.buckets.find((b) => b.bucket === ALL_BUCKET);
  return { ...block, loses_to_baseline: all?.skill !== null && all?.skill !== undefined && all.skill < 0 };
}

/** Step `j` of a series as float32 values per metric, NaN where unobserved. */
function valuesAt(series: StepSeries, j: number): Float64Array {
  const out = new Float64Array(METRICS.length);
  for (let m = 0; m < METRICS.length; m++)
    out[m] = series.mask[j * METRICS.length + m] === 1 ? series.values[j * METRICS.length + m] : Number.NaN;
  return out;
}
