import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, PROFILES, systemClock, type Clock } from '@tft/contracts';
import { fleetIncidentRisk, isoSeconds, type FleetIncidentRisk } from '@tft/forecasting';
import { AlertsService, byUrgency, mergeResolved, type Alert } from '../alerts/alerts.service';
import type { AlertChanges } from '../snapshot/alert';
import { CHANGED_LISTED, type AlertEvent } from '../snapshot/fleet-published';
import { ApiEvents } from '../snapshot/api-events';
import type { ForecastSnapshot, NewForecast } from '../snapshot/forecast-snapshot';
import { ServerForecast } from './server-forecast';

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

/** The fleet's incident outlook as every summary and the predictions body carry it. */
export type FleetEnvironment = FleetIncidentRisk & { total_servers: number; fleet_health: string };

/** One server's forecast as GET /metrics reads it. */
export interface ForecastScrape {
  server: string;
  profile: ServerForecast['profile'];
  model: ServerForecast['model'];
  risk: ServerForecast['risk'];
  highlights: ServerForecast['highlights'];
}

/**
 * The read model: every server's newest forecast, the fleet figures and the alerts, all as of the last
 * publish. A pass's snapshot (and, in cluster mode, the other replicas' entries) is staged and made
 * visible at once, so readers never see half a pass; each publish is announced ('fleet.published') to
 * the projections that render it (ReadBodies, the change feed). Alert transitions arrive computed: a
 * pass's from its alert lifecycles, another owner's from the exchange.
 */
@Injectable()
export class ForecastStore {
  private readonly forecasts = new Map<string, ServerForecast>();
  private readonly staged = new Map<string, ServerForecast | null>();
  private readonly stagedLatest = new Map<string, ArrayLike<number>>();
  private alertsByServer = new Map<string, Alert[]>();
  /** The whole fleet's firing alerts as of the last publish, most urgent first. */
  private firing: readonly Alert[] = [];
  private alertsTime: number | null = null;
  /** This process's firing alerts as its newest snapshot carried them. */
  private ownAlerts: readonly Alert[] = [];
  /** Alert events and servers whose alerts moved since the last publish, as the snapshots and the exchange said. */
  private stagedAlertEvents: AlertEvent[] = [];
  private readonly stagedAlertServers = new Set<string>();
  /** Servers this replica took over since its last snapshot: their previous owner's alerts show until that snapshot. */
  private readonly adopted = new Set<string>();
  /** Cluster mode: the alerts other replicas raised, by server, as their owners published them. */
  private readonly remoteAlerts = new Map<string, Alert[]>();
  /** Per server another replica owns: its recently resolved alerts, as that owner last published them. */
  private readonly remoteResolved = new Map<string, Alert[]>();
  /** Cluster mode: stale servers other replicas hold. */
  private remoteStale = 0;
  private environment: FleetEnvironment = {
    ...fleetIncidentRisk([]),
    total_servers: 0,
    fleet_health: 'healthy',
  };
  private counts: FleetCounts = emptyCounts();
  private predictionTime: string;
  private passes = 0;
  /** Bumped when the set of forecasts changes (re-forecast, gone, retired): what /metrics rebuilds on. */
  forecastGeneration = 0;

  constructor(
    private readonly alerts: AlertsService,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() private readonly events?: ApiEvents,
  ) {
    this.predictionTime = isoSeconds(Math.floor(clock.now() / 1000));
    events?.on('forecast.snapshot', (snapshot) => this.apply(snapshot));
  }

  /** A pass's snapshot: what it changed becomes visible, and is announced, at once. */
  apply(snapshot: ForecastSnapshot): void {
    for (const server of snapshot.removed) this.remove(server);
    for (const forecast of snapshot.forecasts) this.put(forecast);
    for (const [server, latest] of snapshot.latest) this.setLatest(server, latest);
    this.ownAlerts = snapshot.alerts.firing;
    for (const server of this.adopted) {
      this.remoteAlerts.delete(server);
      this.remoteResolved.delete(server);
    }
    this.adopted.clear();
    this.stageAlertChanges(snapshot.alerts);
    for (const a of snapshot.alerts.dropped) this.stageAlertEvent('resolved', a);
    this.publish(snapshot.dataTime, snapshot.staleServers);
  }

  // ---- written by the forecast pass ----

  /** A server's new forecast; readers see it from the next publish. */
  put(forecast: NewForecast): void {
    this.staged.set(forecast.server, new ServerForecast(forecast));
    this.stagedLatest.delete(forecast.server);
  }

  // ---- written by cluster mode: what the other replicas' passes made ----

  /**
   * Another replica's forecast of a server it owns, with that server's firing and recently resolved
   * alerts and how they moved since its previous entry; seen from the next publish.
   */
  putRemote(forecast: NewForecast, alerts: Alert[], resolved: Alert[], changes: AlertChanges): void {
    this.staged.set(forecast.server, new ServerForecast(forecast));
    this.stagedLatest.delete(forecast.server);
    this.remoteAlerts.set(forecast.server, alerts);
    if (resolved.length) this.remoteResolved.set(forecast.server, resolved);
    else this.remoteResolved.delete(forecast.server);
    this.stageAlertChanges(changes);
  }

  /** A server another replica owns left (stale or retired), with the alerts it had. */
  removeRemote(server: string, changes: AlertChanges): void {
    this.staged.set(server, null);
    this.stagedLatest.delete(server);
    this.remoteAlerts.delete(server);
    this.remoteResolved.delete(server);
    this.stageAlertChanges(changes);
  }

  /** Another replica owns the server now: its alerts as last published stay until that owner's replace them. */
  handOver(server: string): void {
    this.remoteAlerts.set(server, this.alertsByServer.get(server) ?? []);
  }

  /** This replica owns the server now: its own lifecycle's alerts replace the previous owner's from its next snapshot. */
  adopt(server: string): void {
    this.adopted.add(server);
  }

  /** Stale servers the other replicas hold, counted in the fleet figures from the next publish. */
  setRemoteStale(count: number): void {
    this.remoteStale = count;
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
    this.takeAlerts(dataNow);
    for (const server of this.stagedAlertServers) if (this.forecasts.has(server)) changed.add(server);
    this.stagedAlertServers.clear();
    const alertEvents = this.stagedAlertEvents;
    this.stagedAlertEvents = [];
    const first = this.passes++ === 0;
    if (!first && !changed.size && !removed.length && !liveUpdates && !alertEvents.length && staleServers === this.counts.stale_servers)
      return;
    this.predictionTime = isoSeconds(dataNow);
    this.recount(staleServers);
    if (forecastsChanged) this.forecastGeneration++;
    this.events?.emit('fleet.published', {
      pass: {
        pass: this.passes,
        prediction_time: this.predictionTime,
        published_at: new Date(this.clock.now()).toISOString(),
        changed: [...changed].slice(0, CHANGED_LISTED),
        changed_count: changed.size,
        removed,
        live_updates: liveUpdates,
        total_servers: this.forecasts.size,
      },
      alerts: alertEvents,
      changed: [...changed],
      removed,
      moved,
    });
  }

  /** The fleet's firing alerts as of this publish: this process's newest, and the other owners' (cluster mode). */
  private takeAlerts(dataNow: number): void {
    const own = this.remoteAlerts.size ? this.ownAlerts.filter((a) => !this.remoteAlerts.has(a.server)) : this.ownAlerts;
    this.firing = this.remoteAlerts.size ? [...own, ...[...this.remoteAlerts.values()].flat()].sort(byUrgency) : own;
    this.alertsTime = dataNow;
    const byServer = new Map<string, Alert[]>();
    for (const a of this.firing) {
      const list = byServer.get(a.server);
      if (list) list.push(a);
      else byServer.set(a.server, [a]);
    }
    this.alertsByServer = byServer;
  }

  private stageAlertChanges({ raised, updated, resolved }: AlertChanges): void {
    for (const a of raised) this.stageAlertEvent('firing', a);
    for (const a of updated) this.stagedAlertServers.add(a.server);
    for (const a of resolved) this.stageAlertEvent('resolved', a);
  }

  private stageAlertEvent(state: AlertEvent['state'], a: Alert): void {
    this.stagedAlertServers.add(a.server);
    this.stagedAlertEvents.push({
      state,
      id: a.id,
      server: a.server,
      metric: a.metric,
      severity: a.severity,
      minutes_ahead: a.minutes_ahead,
    });
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
    for (const a of this.firing) counts[a.severity === 'critical' ? 'alerts_critical' : 'alerts_warning']++;
    const fleet = fleetIncidentRisk(risks);
    const degraded = this.firing.length > 0 || fleet.high_risk_servers > 0;
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

  /** One server's forecast; undefined before its first. */
  forecast(server: string): ServerForecast | undefined {
    return this.forecasts.get(server);
  }

  /** Every server's forecast, in the order they first got one. */
  all(): IterableIterator<ServerForecast> {
    return this.forecasts.values();
  }

  /** The alerts firing as of the last publish (the whole fleet's in cluster mode), most urgent first, and the data time they are as of. */
  firingAlerts(): { alerts: readonly Alert[]; at: number | null } {
    return { alerts: this.firing, at: this.alertsTime };
  }

  /** The whole-fleet figures as of the last publish. */
  fleet(): { predictionTime: string; counts: FleetCounts; environment: FleetEnvironment } {
    return { predictionTime: this.predictionTime, counts: this.counts, environment: this.environment };
  }

  /** Servers with a forecast (name and profile). */
  *servers(): IterableIterator<{ name: string; profile: string | null }> {
    for (const f of this.forecasts.values()) yield { name: f.server, profile: f.profile };
  }

  /**
   * Recently resolved alerts of the whole fleet, newest first (GET /alerts/resolved): this replica's, and
   * in cluster mode the other owners' as they last published them. An alert resolved before its server
   * changed owner is listed once.
   */
  resolvedAlerts(): Alert[] {
    return mergeResolved(this.alerts.recentlyResolved(), ...this.remoteResolved.values());
  }

  /** Alerts firing for one server as of the last publish, critical first. */
  alertsOf(server: string): Alert[] {
    return this.alertsByServer.get(server) ?? [];
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
