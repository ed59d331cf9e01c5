import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { CLOCK, METRICS, PROFILES, systemClock, type Clock } from '@tft/contracts';
import { fleetIncidentRisk, isoSeconds, type FleetIncidentRisk } from '@tft/forecasting';
import { AlertsService, byUrgency, mergeResolved, type Alert } from '../alerts/alerts.service';
import { CachedBody } from '../common/cached-body';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import { CHANGED_LISTED, ChangeFeed, type AlertEvent } from './change-feed';
import { pageOf, sortEntries, type SummaryEntry, type SummaryFilter, type SummarySort, type WorstAlert } from './fleet-summary';
import { ApiEvents } from '../snapshot/api-events';
import type { ForecastSnapshot, NewForecast } from '../snapshot/forecast-snapshot';
import { ServerForecast } from './server-forecast';

/** GET /predictions/current narrowed: by server names, metrics (METRICS indexes), and a page in name order. */
export interface PredictionsQuery {
  servers?: readonly string[];
  metrics?: readonly number[];
  limit?: number;
  cursor?: string;
}

export interface SummaryQuery extends SummaryFilter {
  sort: SummarySort;
  limit?: number;
  cursor?: string;
}

/** The whole-fleet figures every summary carries, whatever it lists. */
export interface FleetCounts {
  total_servers: number;
  servers_tft: number;
  servers_heuristic: number;
  warming_up: number;
  stale_servers: number;
  alerts_critical: number;
  alerts_warning: number;
  profiles: Record<string, number>;
}

/** One server's forecast as GET /metrics reads it. */
export interface ForecastScrape {
  server: string;
  profile: ServerForecast['profile'];
  model: ServerForecast['model'];
  risk: ServerForecast['risk'];
  highlights: ServerForecast['highlights'];
}

/** What one publish made of this process's own forecasts: what cluster mode hands the other replicas. */
export interface LocalPublish {
  forecasts: ReadonlyMap<string, NewForecast>;
  removed: readonly string[];
  alertsOf(server: string): Alert[];
}

/** Bodies of narrowed queries kept per published state; a console polling one page hits this. */
const QUERY_BODIES_KEPT = 64;

const worstOf = (a: WorstAlert, b: Alert): boolean =>
  a.severity !== b.severity ? b.severity === 'critical' : b.minutes_ahead < a.minutes_ahead;

/**
 * What readers see: every server's newest forecast, the fleet summary, the alerts and the change
 * feed, all as of the last forecast pass. A pass stages its results and publishes them at its end,
 * so readers never see half a pass; bodies are built when first asked for after a publish and then
 * served as-is (ETag, gzip) until the next.
 */
@Injectable()
export class ForecastStore implements OnApplicationShutdown {
  readonly feed = new ChangeFeed();
  private readonly forecasts = new Map<string, ServerForecast>();
  private readonly entries = new Map<string, SummaryEntry>();
  private readonly staged = new Map<string, ServerForecast | null>();
  private readonly stagedLatest = new Map<string, ArrayLike<number>>();
  private alertsByServer = new Map<string, Alert[]>();
  private alertsJson = '[]';
  private activeAlerts = new CachedBody('{"timestamp":null,"count":0,"alerts":[]}');
  /** Cluster mode: the alerts other replicas raised, by server, as their owners published them. */
  private readonly remoteAlerts = new Map<string, Alert[]>();
  /** Per server another replica owns: its recently resolved alerts, as that owner last published them. */
  private readonly remoteResolved = new Map<string, Alert[]>();
  /** Cluster mode: stale servers other replicas hold. */
  private remoteStale = 0;
  private readonly localForecasts = new Map<string, NewForecast>();
  private readonly localRemoved = new Set<string>();
  private readonly localPublishListeners: ((p: LocalPublish) => void)[] = [];
  private firingSeverity = new Map<string, Alert>();
  private environment: FleetIncidentRisk & { total_servers: number; fleet_health: string } = {
    ...fleetIncidentRisk([]),
    total_servers: 0,
    fleet_health: 'healthy',
  };
  private counts: FleetCounts = emptyCounts();
  private predictionTime: string;
  private passes = 0;
  /** Bumped when the set of forecasts changes (re-forecast, gone, retired): what /metrics rebuilds on. */
  forecastGeneration = 0;
  private fullBody: CachedBody | null = null;
  private readonly queryBodies = new Map<string, CachedBody>();
  private readonly sorted = new Map<SummarySort, SummaryEntry[]>();
  private readonly serverBodies = new Map<string, CachedBody>();

  constructor(
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    private readonly alerts: AlertsService,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() events?: ApiEvents,
  ) {
    this.predictionTime = isoSeconds(Math.floor(clock.now() / 1000));
    events?.on('forecast.snapshot', (snapshot) => this.apply(snapshot));
    events?.on('app.stopping', () => this.feed.close());
  }

  /** A pass's snapshot: what it changed becomes visible, and is announced, at once. */
  apply(snapshot: ForecastSnapshot): void {
    for (const server of snapshot.removed) this.remove(server);
    for (const forecast of snapshot.forecasts) this.put(forecast);
    for (const [server, latest] of snapshot.latest) this.setLatest(server, latest);
    this.publish(snapshot.dataTime, snapshot.staleServers);
  }

  onApplicationShutdown(): void {
    this.feed.close();
  }

  // ---- written by the forecast pass ----

  /** A server's new forecast; readers see it from the next publish. */
  put(forecast: NewForecast): void {
    this.staged.set(forecast.server, new ServerForecast(forecast));
    this.stagedLatest.delete(forecast.server);
    if (this.localPublishListeners.length) {
      this.localForecasts.set(forecast.server, forecast);
      this.localRemoved.delete(forecast.server);
    }
  }

  // ---- written by cluster mode: what the other replicas' passes made ----

  /** Another replica's forecast of a server it owns, with that server's firing and recently resolved alerts; seen from the next publish. */
  putRemote(forecast: NewForecast, alerts: Alert[], resolved: Alert[]): void {
    this.staged.set(forecast.server, new ServerForecast(forecast));
    this.stagedLatest.delete(forecast.server);
    this.remoteAlerts.set(forecast.server, alerts);
    if (resolved.length) this.remoteResolved.set(forecast.server, resolved);
    else this.remoteResolved.delete(forecast.server);
  }

  /** A server another replica owns left (stale or retired). */
  removeRemote(server: string): void {
    this.staged.set(server, null);
    this.stagedLatest.delete(server);
    this.remoteAlerts.delete(server);
    this.remoteResolved.delete(server);
  }

  /** Another replica owns the server now: its alerts as last published stay until that owner's replace them. */
  handOver(server: string): void {
    this.remoteAlerts.set(server, this.alertsByServer.get(server) ?? []);
  }

  /** This replica owns the server now: its own lifecycle raises its alerts from here on. */
  adopt(server: string): void {
    this.remoteAlerts.delete(server);
    this.remoteResolved.delete(server);
  }

  /** Stale servers the other replicas hold, counted in the fleet figures from the next publish. */
  setRemoteStale(count: number): void {
    this.remoteStale = count;
  }

  /** Calls `listener` after each publish with this process's own forecasts and removals since the previous one. */
  onLocalPublish(listener: (p: LocalPublish) => void): void {
    this.localPublishListeners.push(listener);
  }

  /** A server's newest step means moved without a re-forecast. */
  setLatest(server: string, latest: ArrayLike<number>): void {
    this.stagedLatest.set(server, latest);
  }

  /** A server left (stale or retired); returns whether it had a forecast. */
  remove(server: string): boolean {
    const had = this.staged.get(server) ?? this.forecasts.get(server);
    this.staged.set(server, null);
    this.stagedLatest.delete(server);
    if (this.localPublishListeners.length) {
      this.localForecasts.delete(server);
      this.localRemoved.add(server);
    }
    return had !== undefined && had !== null;
  }

  /** Makes everything staged since the last publish visible at data time `dataNow`, and announces it. */
  publish(dataNow: number, localStale: number): void {
    const staleServers = localStale + this.remoteStale;
    const changed = new Set<string>();
    const removed: string[] = [];
    for (const [server, f] of this.staged) {
      if (f) {
        this.forecasts.set(server, f);
        changed.add(server);
      } else if (this.forecasts.delete(server)) removed.push(server);
    }
    const forecastsChanged = changed.size > 0 || removed.length > 0;
    this.staged.clear();
    const moved: string[] = [];
    for (const [server, latest] of this.stagedLatest) {
      if (this.forecasts.get(server)?.setLatest(latest) && !changed.has(server)) moved.push(server);
    }
    this.stagedLatest.clear();
    const liveUpdates = moved.length;
    const alertEvents = this.publishAlerts(dataNow, changed);
    this.announceLocal();
    // what readers got of these servers is out of date: rebuilt on the next read
    for (const server of [...changed, ...removed, ...moved]) {
      this.entries.delete(server);
      this.serverBodies.delete(server);
    }
    const first = this.passes++ === 0;
    if (!first && !changed.size && !removed.length && !liveUpdates && staleServers === this.counts.stale_servers) return;
    for (const [server, f] of this.forecasts) if (!this.entries.has(server)) this.entries.set(server, this.entryOf(f));
    this.predictionTime = isoSeconds(dataNow);
    this.recount(staleServers);
    if (forecastsChanged) this.forecastGeneration++;
    this.fullBody = null;
    this.queryBodies.clear();
    this.sorted.clear();
    this.feed.announce('pass', {
      pass: this.passes,
      prediction_time: this.predictionTime,
      published_at: new Date(this.clock.now()).toISOString(),
      changed: [...changed].slice(0, CHANGED_LISTED),
      changed_count: changed.size,
      removed,
      live_updates: liveUpdates,
      total_servers: this.forecasts.size,
    });
    for (const event of alertEvents) this.feed.announce('alert', event);
  }

  private announceLocal(): void {
    // announced even when empty: cluster mode lets the notifications of a publish go once its send ends
    if (!this.localPublishListeners.length) return;
    const local: LocalPublish = {
      forecasts: new Map(this.localForecasts),
      removed: [...this.localRemoved],
      alertsOf: (server) => this.alertsByServer.get(server) ?? [],
    };
    this.localForecasts.clear();
    this.localRemoved.clear();
    for (const listener of this.localPublishListeners) listener(local);
  }

  /** Takes the alerts as of this publish; marks servers whose alerts changed and returns the fire/resolve events. */
  private publishAlerts(dataNow: number, changed: Set<string>): AlertEvent[] {
    const own = this.alerts.publish().filter((a) => !this.remoteAlerts.has(a.server));
    const alerts = this.remoteAlerts.size ? [...own, ...[...this.remoteAlerts.values()].flat()].sort(byUrgency) : own;
    const json = JSON.stringify(alerts);
    this.alertsJson = json;
    this.activeAlerts = new CachedBody(`{"timestamp":${JSON.stringify(isoSeconds(dataNow))},"count":${alerts.length},"alerts":${json}}`);
    const byServer = new Map<string, Alert[]>();
    const firing = new Map<string, Alert>();
    const events: AlertEvent[] = [];
    const event = (state: AlertEvent['state'], a: Alert): AlertEvent => ({
      state,
      id: a.id,
      server: a.server,
      metric: a.metric,
      severity: a.severity,
      minutes_ahead: a.minutes_ahead,
    });
    for (const a of alerts) {
      byServer.set(a.server, [...(byServer.get(a.server) ?? []), a]);
      firing.set(a.id, a);
      const before = this.firingSeverity.get(a.id);
      if (!before || before.severity !== a.severity) events.push(event('firing', a));
      if (!before || before.severity !== a.severity || before.minutes_ahead !== a.minutes_ahead) changed.add(a.server);
    }
    for (const [id, a] of this.firingSeverity) {
      if (firing.has(id)) continue;
      events.push(event('resolved', a));
      if (this.forecasts.has(a.server)) changed.add(a.server);
    }
    this.firingSeverity = firing;
    this.alertsByServer = byServer;
    return events;
  }

  private entryOf(f: ServerForecast): SummaryEntry {
    let alert: WorstAlert | null = null;
    for (const a of this.alertsByServer.get(f.server) ?? []) {
      if (!alert || worstOf(alert, a)) alert = { severity: a.severity, metric: a.metric, minutes_ahead: a.minutes_ahead };
    }
    const current = Object.fromEntries(METRICS.map((m, i) => [m, Number.isFinite(f.current[i]) ? f.current[i] : null]));
    return {
      name: f.server,
      profile: f.profile,
      model: f.model,
      probability_30m: f.risk.probability_30m,
      probability_8h: f.risk.probability_8h,
      current: f.current,
      alert,
      json: JSON.stringify({
        name: f.server,
        profile: f.profile,
        model: f.model,
        warmup: f.warmup,
        current,
        risk: {
          probability_30m: Math.round(f.risk.probability_30m * 1e4) / 1e4,
          probability_8h: Math.round(f.risk.probability_8h * 1e4) / 1e4,
          driver: f.risk.driver,
        },
        alert,
        forecast_origin: isoSeconds(f.origin),
      }),
    };
  }

  private recount(staleServers: number): void {
    const counts = emptyCounts();
    counts.total_servers = this.forecasts.size;
    counts.stale_servers = staleServers;
    const risks = [];
    for (const f of this.forecasts.values()) {
      counts[f.model === 'TFT' ? 'servers_tft' : 'servers_heuristic']++;
      if (!f.warmup.is_warmed_up) counts.warming_up++;
      const profile = f.profile ?? 'unknown';
      counts.profiles[profile] = (counts.profiles[profile] ?? 0) + 1;
      risks.push(f.risk);
    }
    for (const a of this.firingSeverity.values()) counts[a.severity === 'critical' ? 'alerts_critical' : 'alerts_warning']++;
    const fleet = fleetIncidentRisk(risks);
    const degraded = this.firingSeverity.size > 0 || fleet.high_risk_servers > 0;
    this.counts = counts;
    this.environment = {
      ...fleet,
      total_servers: counts.total_servers,
      fleet_health: counts.alerts_critical ? 'critical' : degraded ? 'degraded' : 'healthy',
    };
  }

  // ---- read by the controllers ----

  get size(): number {
    return this.forecasts.size;
  }

  /** Whether a server has a forecast (this replica's or, in cluster mode, another's). */
  has(server: string): boolean {
    return this.forecasts.has(server);
  }

  modelOf(server: string): ServerForecast['model'] | null {
    return this.forecasts.get(server)?.model ?? null;
  }

  /** Every current forecast's scrape figures. */
  *scrapes(): IterableIterator<ForecastScrape> {
    for (const [server, f] of this.forecasts) yield { server, profile: f.profile, model: f.model, risk: f.risk, highlights: f.highlights };
  }

  /** One server's forecast (the ServerPrediction JSON) from its own bytes; null before its first forecast. */
  forecastJson(server: string): Buffer | null {
    return this.forecasts.get(server)?.json() ?? null;
  }

  /** GET /servers/{name}/forecast: one server's forecast with its own ETag. */
  serverBody(server: string): CachedBody | null {
    const f = this.forecasts.get(server);
    if (!f) return null;
    let body = this.serverBodies.get(server);
    if (!body) {
      body = new CachedBody(f.json());
      this.serverBodies.set(server, body);
    }
    return body;
  }

  /** GET /alerts/active: the alerts firing as of the last publish, the whole fleet's in cluster mode. */
  activeAlertsBody(): CachedBody {
    return this.activeAlerts;
  }

  /** Servers with a forecast (name and profile). */
  *servers(): IterableIterator<{ name: string; profile: string | null }> {
    for (const f of this.forecasts.values()) yield { name: f.server, profile: f.profile };
  }

  /** Alerts firing for one server as of the last publish, critical first. */
  /**
   * Recently resolved alerts of the whole fleet, newest first (GET /alerts/resolved): this replica's, and
   * in cluster mode the other owners' as they last published them. An alert resolved before its server
   * changed owner is listed once.
   */
  resolvedAlerts(): Alert[] {
    return mergeResolved(this.alerts.recentlyResolved(), ...this.remoteResolved.values());
  }

  alertsOf(server: string): Alert[] {
    return this.alertsByServer.get(server) ?? [];
  }

  /** GET /predictions/current, whole or narrowed. */
  predictions(query: PredictionsQuery = {}): CachedBody {
    const whole = !query.servers && !query.metrics && query.limit === undefined && query.cursor === undefined;
    if (whole) return (this.fullBody ??= this.buildPredictions(query));
    return this.cachedQuery(`p${JSON.stringify(query)}`, () => this.buildPredictions(query));
  }

  /** GET /fleet/summary. */
  summary(query: SummaryQuery): CachedBody {
    return this.cachedQuery(`s${JSON.stringify(query, (_, v: unknown) => (v instanceof Set ? [...v].sort() : v))}`, () =>
      this.buildSummary(query),
    );
  }

  private cachedQuery(key: string, build: () => CachedBody): CachedBody {
    let body = this.queryBodies.get(key);
    if (!body) {
      if (this.queryBodies.size >= QUERY_BODIES_KEPT) this.queryBodies.delete(this.queryBodies.keys().next().value as string);
      body = build();
      this.queryBodies.set(key, body);
    }
    return body;
  }

  private sortedBy(sort: SummarySort): SummaryEntry[] {
    let list = this.sorted.get(sort);
    if (!list) {
      list = sortEntries(this.entries.values(), sort);
      this.sorted.set(sort, list);
    }
    return list;
  }

  private buildSummary(q: SummaryQuery): CachedBody {
    const { items, matching, next } = pageOf(this.sortedBy(q.sort), q.sort, q, q.limit ?? Number.MAX_SAFE_INTEGER, q.cursor);
    const head = JSON.stringify({
      prediction_time: this.predictionTime,
      fleet: this.counts,
      environment: this.environment,
      matching,
      next_cursor: next,
    });
    return new CachedBody(`${head.slice(0, -1)},"servers":[${items.map((e) => e.json).join(',')}]}`);
  }

  private buildPredictions(q: PredictionsQuery): CachedBody {
    const names = q.servers ? new Set(q.servers) : undefined;
    const metricNames = q.metrics ? new Set(q.metrics.map((m) => METRICS[m])) : undefined;
    let selected: string[];
    let next: string | null = null;
    if (q.limit !== undefined || q.cursor !== undefined) {
      const page = pageOf(this.sortedBy('name'), 'name', { names }, q.limit ?? Number.MAX_SAFE_INTEGER, q.cursor);
      selected = page.items.map((e) => e.name);
      next = page.next;
    } else {
      selected = names ? [...this.forecasts.keys()].filter((n) => names.has(n)) : [...this.forecasts.keys()];
    }
    const parts: Buffer[] = [Buffer.from('{"predictions":{')];
    selected.forEach((name, i) => {
      parts.push(Buffer.from(`${i ? ',' : ''}${JSON.stringify(name)}:`), (this.forecasts.get(name) as ServerForecast).json(q.metrics));
    });
    const narrowedAlerts =
      names || metricNames
        ? JSON.stringify(
            [...this.firingSeverity.values()].filter((a) => (!names || names.has(a.server)) && (!metricNames || metricNames.has(a.metric))),
          )
        : this.alertsJson;
    const paging = q.limit !== undefined || q.cursor !== undefined ? `,"next_cursor":${JSON.stringify(next)}` : '';
    parts.push(
      Buffer.from(
        `},"alerts":${narrowedAlerts},"environment":${JSON.stringify(this.environment)},"metadata":${JSON.stringify(this.metadata())}${paging}}`,
      ),
    );
    return new CachedBody(Buffer.concat(parts));
  }

  private metadata() {
    const rt = this.runtime;
    return {
      model_type: rt.tft ? 'TFT' : 'heuristic',
      model_dir: rt.modelDir,
      model_version: rt.modelVersion,
      prediction_time: this.predictionTime,
      horizon_steps: rt.grid.horizon,
      step_seconds: rt.grid.stepSeconds,
      device: rt.device.device,
      inference_profile: rt.device.profile,
      servers_tft: this.counts.servers_tft,
      servers_heuristic: this.counts.servers_heuristic,
    };
  }
}

function emptyCounts(): FleetCounts {
  return {
    total_servers: 0,
    servers_tft: 0,
    servers_heuristic: 0,
    warming_up: 0,
    stale_servers: 0,
    alerts_critical: 0,
    alerts_warning: 0,
    profiles: Object.fromEntries([...PROFILES, 'unknown'].map((p) => [p, 0])),
  };
}
