import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { METRICS, PROFILES, type MetricName } from '@tft/contracts';
import {
  AlertLifecycle,
  isoSeconds,
  modelRuleAlerts,
  thresholdsFor,
  trendAlerts,
  type AlertThresholds,
  type BreachRule,
  type LifecycleState,
  type MetricForecasts,
  type ThresholdConfig,
  type ThresholdProfile,
} from '@tft/forecasting';
import { loadThresholdConfig } from '../config/alert-thresholds';
import type { ThresholdsDto } from './dto/alert.dto';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { alertMove, type Alert, type AlertDriver, type AlertTransitions } from '../snapshot/alert';

export type { Alert, AlertTransitions };

export interface ServerForecastInput {
  server: string;
  profile: string | null;
  model: string;
  /** Epoch seconds of the forecast origin (start of the last step used). */
  origin: number;
  /** The server's data time: its newest sample (epoch s). Its alerts' lifecycle runs on this clock. */
  at: number;
  quantiles: MetricForecasts;
  /** The damped recent trend (heuristic forecast from the same origin), for the trend guard. */
  trend?: MetricForecasts;
  /** The model's probability rule; null or absent: the p50/p90 crossing rule. */
  rule?: BreachRule | null;
}

/** Resolved alerts kept (and listed by GET /alerts/resolved). */
export const RESOLVED_KEPT = 200;

/** Resolved alerts from several owners as one list: newest first, each resolution once, RESOLVED_KEPT at most. */
export function mergeResolved(...lists: readonly (readonly Alert[])[]): Alert[] {
  const seen = new Set<string>();
  return lists
    .flat()
    .filter((a) => {
      const key = `${a.id}@${a.resolved_at}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (b.resolved_at ?? '').localeCompare(a.resolved_at ?? ''))
    .slice(0, RESOLVED_KEPT);
}

/** Critical first, then soonest, then by server: the order every alert list is in. */
export const byUrgency = (a: Alert, b: Alert): number =>
  (a.severity === b.severity ? a.minutes_ahead - b.minutes_ahead : a.severity === 'critical' ? -1 : 1) || a.server.localeCompare(b.server);

/**
 * What moves with a server when another replica takes it over (cluster mode): each metric's
 * hysteresis, pending or firing, and its firing alerts, so the new owner goes on with the same alert
 * (same id and first_seen) instead of starting it again.
 */
export interface ServerAlertState {
  lifecycle: Partial<Record<MetricName, LifecycleState>>;
  firing: Alert[];
  /** Its recently resolved alerts: GET /alerts/resolved keeps listing them wherever the server goes. */
  resolved: Alert[];
  /** Per metric firing critical: the data time critical was last predicted, which holds it there. */
  criticalSeen?: Partial<Record<MetricName, number>>;
}

/** The stable identity of a server's alert on one metric: the same across passes, severities and restarts. */
export function alertId(server: string, metric: MetricName): string {
  return createHash('sha256').update(`${server}\u0000${metric}`).digest('hex').slice(0, 16);
}

/**
 * Alerts on the forecast, one per server and metric, with hysteresis as Prometheus rules and
 * Alertmanager have it: a predicted breach fires once it has been predicted for ALERT_FOR of data time
 * (first_seen is when it was first predicted), stays one alert with a stable id while it is, and
 * resolves once it has not been predicted for ALERT_RESOLVE_AFTER. All times are data time, per server
 * the time of its newest sample, so a forwarder that lags does not age its servers' alerts.
 */
@Injectable()
export class AlertsService {
  readonly config: ThresholdConfig;
  /** Hysteresis per `server|metric` (the same rules the alert-quality replay measures). */
  private readonly lifecycle: AlertLifecycle;
  private readonly firing = new Map<string, Alert>();
  /** Per `server|metric` firing critical: the data time critical was last predicted. */
  private readonly criticalSeen = new Map<string, number>();
  private readonly resolveAfterSeconds: number;
  private resolved: Alert[] = [];
  /** How the alerts moved since the last take(), by `server|metric`: each alert's newest raise or update. */
  private raisedSinceTake = new Map<string, Alert>();
  private updatedSinceTake = new Map<string, Alert>();
  private resolvedSinceTake: Alert[] = [];
  private handedOverSinceTake: string[] = [];
  private droppedSinceTake: Alert[] = [];
  constructor(@Inject(API_CONFIG) apiConfig: ApiConfig) {
    this.config = loadThresholdConfig(apiConfig.alertThresholdsFile);
    this.lifecycle = new AlertLifecycle({
      forSeconds: apiConfig.alertForSeconds,
      resolveAfterSeconds: apiConfig.alertResolveAfterSeconds,
    });
    this.resolveAfterSeconds = apiConfig.alertResolveAfterSeconds;
  }

  thresholds(profile: string | null): AlertThresholds {
    return thresholdsFor(this.config, (profile ?? 'unknown') as ThresholdProfile);
  }

  /** The thresholds in effect: the defaults and every profile's pairs (GET /alerts/thresholds). */
  thresholdsInEffect(): ThresholdsDto {
    return {
      defaults: this.config.defaults,
      profiles: [...PROFILES, 'unknown' as const].map((profile) => ({
        profile,
        thresholds: thresholdsFor(this.config, profile),
      })),
    };
  }

  /** The alerts firing now and how they moved since the previous take: what a forecast snapshot carries. */
  take(): AlertTransitions {
    const transitions: AlertTransitions = {
      firing: this.active(),
      raised: [...this.raisedSinceTake.values()],
      updated: [...this.updatedSinceTake.values()],
      resolved: this.resolvedSinceTake,
      handedOver: this.handedOverSinceTake,
      dropped: this.droppedSinceTake,
    };
    this.raisedSinceTake = new Map();
    this.updatedSinceTake = new Map();
    this.resolvedSinceTake = [];
    this.handedOverSinceTake = [];
    this.droppedSinceTake = [];
    return transitions;
  }

  /**
   * Re-evaluates the given servers' forecasts, each at its own data time. Servers not given keep their
   * alerts. Returns the alerts this raised (new, or at another severity).
   */
  update(forecasts: Iterable<ServerForecastInput>, stepSeconds: number): Alert[] {
    const raised: Alert[] = [];
    for (const f of forecasts) {
      const now = f.at;
      const thresholds = this.thresholds(f.profile);
      // A server still warming up has only the heuristic: its line alerts, its uncalibrated band does not.
      const predicted = new Map(
        (f.model === 'heuristic'
          ? trendAlerts(f.quantiles, thresholds, stepSeconds)
          : modelRuleAlerts(f.quantiles, f.trend, thresholds, stepSeconds, f.rule ?? null)
        ).map((a) => [a.metric, a]),
      );
      for (const metric of Object.keys(f.quantiles) as MetricName[]) {
        const key = `${f.server}|${metric}`;
        const p = predicted.get(metric);
        const { transition, since } = this.lifecycle.observe(key, p !== undefined, now);
        if (transition === 'resolved') this.resolve(key, now);
        if (!p || (transition !== 'fired' && transition !== 'firing') || since === null) continue;
        const before = this.firing.get(key);
        // A critical alert falls back to warning only once critical has not been predicted for
        // ALERT_RESOLVE_AFTER, as an alert resolves: a forecast hovering at the critical threshold would
        // otherwise flip it, and Alertmanager's label set with it (a page each time), from pass to pass.
        if (p.severity === 'critical') this.criticalSeen.set(key, now);
        const held =
          before?.severity === 'critical' &&
          p.severity === 'warning' &&
          now - (this.criticalSeen.get(key) ?? Number.NEGATIVE_INFINITY) < this.resolveAfterSeconds;
        if (held) {
          this.firing.set(key, { ...before, last_seen: isoSeconds(now) }); // as critical was last predicted
          continue;
        }
        if (p.severity === 'warning') this.criticalSeen.delete(key);
        const alert: Alert = {
          id: before?.id ?? alertId(f.server, metric),
          server: f.server,
          metric,
          severity: p.severity,
          predicted_value: p.predicted_value,
          threshold: p.threshold,
          minutes_ahead: p.minutes_ahead,
          trigger: p.trigger,
          ...('probability' in p ? { probability: p.probability } : {}),
          expected_at: isoSeconds(f.origin + (p.step + 1) * stepSeconds),
          model: f.model,
          state: 'firing',
          first_seen: isoSeconds(since),
          last_seen: isoSeconds(now),
          resolved_at: null,
          driver: null,
        };
        const move = alertMove(before, alert);
        if (move !== 'raised') alert.driver = before?.driver ?? null;
        else raised.push(alert);
        this.firing.set(key, alert);
        if (move === 'raised' || this.raisedSinceTake.has(key)) this.raisedSinceTake.set(key, alert);
        else if (move === 'updated') this.updatedSinceTake.set(key, alert);
      }
    }
    return raised;
  }

  /** Names what drives a firing alert's metric (the pass attributes the TFT's forecasts of raised alerts). */
  annotate(alert: Alert, driver: AlertDriver): void {
    const key = `${alert.server}|${alert.metric}`;
    const firing = this.firing.get(key);
    if (firing?.id !== alert.id) return;
    const annotated = { ...firing, driver };
    this.firing.set(key, annotated);
    if (this.raisedSinceTake.has(key)) this.raisedSinceTake.set(key, annotated);
    if (this.updatedSinceTake.has(key)) this.updatedSinceTake.set(key, annotated);
  }

  /** Resolves every alert of a server that stopped reporting (stale) at data time `now`. */
  resolveServer(server: string, now: number): void {
    for (const key of [...this.lifecycle.keys()]) if (key.startsWith(`${server}|`)) this.lifecycle.drop(key);
    for (const key of [...this.firing.keys()]) if (key.startsWith(`${server}|`)) this.resolve(key, now);
  }

  private resolve(key: string, now: number): void {
    const firing = this.firing.get(key);
    if (!firing) return;
    this.leave(key);
    const resolved: Alert = {
      ...firing,
      state: 'resolved',
      resolved_at: isoSeconds(now),
    };
    this.resolved.unshift(resolved);
    this.resolvedSinceTake.push(resolved);
    this.resolved.length = Math.min(this.resolved.length, RESOLVED_KEPT);
  }

  /** A server's alert state, as the replica that takes it over needs it. */
  stateOf(server: string): ServerAlertState {
    const state: ServerAlertState = { lifecycle: {}, firing: [], resolved: this.resolved.filter((a) => a.server === server) };
    for (const metric of METRICS) {
      const key = `${server}|${metric}`;
      const lifecycle = this.lifecycle.state(key);
      if (lifecycle) state.lifecycle[metric] = lifecycle;
      const firing = this.firing.get(key);
      if (firing) state.firing.push(firing);
      const criticalSeen = this.criticalSeen.get(key);
      if (criticalSeen !== undefined) (state.criticalSeen ??= {})[metric] = criticalSeen;
    }
    return state;
  }

  /** Goes on with a server's alerts from the state its previous owner published: no new alert, no resolve. */
  takeOver(server: string, state: ServerAlertState): void {
    for (const [metric, lifecycle] of Object.entries(state.lifecycle)) this.lifecycle.restore(`${server}|${metric}`, lifecycle);
    for (const alert of state.firing) this.firing.set(`${server}|${alert.metric}`, alert);
    for (const [metric, at] of Object.entries(state.criticalSeen ?? {})) this.criticalSeen.set(`${server}|${metric}`, at);
    this.resolved = mergeResolved(this.resolved, state.resolved);
  }

  /** Another replica owns the server now: its alerts leave this one without resolving (they go on there). */
  release(server: string): void {
    for (const key of [...this.lifecycle.keys()]) if (key.startsWith(`${server}|`)) this.lifecycle.drop(key);
    for (const [key, alert] of [...this.firing]) {
      if (!key.startsWith(`${server}|`)) continue;
      this.leave(key);
      this.handedOverSinceTake.push(alert.id);
    }
  }

  /** Drops alerts of servers that no longer exist. */
  forget(server: string): void {
    for (const key of [...this.lifecycle.keys()]) if (key.startsWith(`${server}|`)) this.lifecycle.drop(key);
    for (const [key, alert] of [...this.firing]) {
      if (!key.startsWith(`${server}|`)) continue;
      this.leave(key);
      this.droppedSinceTake.push(alert);
    }
  }

  /** An alert stops firing here: whatever it raised since the last take goes with it. */
  private leave(key: string): void {
    this.firing.delete(key);
    this.criticalSeen.delete(key);
    this.raisedSinceTake.delete(key);
    this.updatedSinceTake.delete(key);
  }

  /** Firing alerts, critical first, then soonest. */
  active(): Alert[] {
    return [...this.firing.values()].sort(byUrgency);
  }

  recentlyResolved(): Alert[] {
    return [...this.resolved];
  }

  forServer(server: string): Alert[] {
    return this.active().filter((a) => a.server === server);
  }
}
