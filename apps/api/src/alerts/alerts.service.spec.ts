import { METRICS } from '@tft/contracts';
import type { MetricForecasts } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../config/api-config';
import { alertId, AlertsService } from './alerts.service';

/** cpu p50 rising a point per step from `cpuFrom`, or flat at 40 for null; the other metrics flat and low. */
const forecast = (cpuFrom: number | null): MetricForecasts =>
  Object.fromEntries(
    METRICS.map((m) => {
      const p50 = Array.from({ length: 96 }, (_, h) => (m !== 'cpu_percent' ? 1 : cpuFrom === null ? 40 : cpuFrom + h + 1));
      return [m, { p10: p50, p50, p90: p50 }];
    }),
  ) as MetricForecasts;

const base = {
  server: 'pprisk0001',
  profile: 'risk_analytics',
  model: 'TFT',
  origin: Date.UTC(2026, 0, 5) / 1000,
  at: Date.UTC(2026, 0, 5) / 1000,
};

describe('AlertsService lifecycle (hysteresis on data time)', () => {
  const t0 = Date.UTC(2026, 0, 5, 12) / 1000;
  const at = (minutes: number) => t0 + minutes * 60;
  const iso = (minutes: number) => new Date(at(minutes) * 1000).toISOString().replace('.000Z', 'Z');
  const pass = (alerts: AlertsService, minutes: number, cpuFrom: number | null) =>
    alerts.update(
      [
        {
          ...base,
          at: at(minutes),
          quantiles: forecast(cpuFrom),
        },
      ],
      300,
    );

  it('fires after ALERT_FOR, keeps its id and first_seen, survives a short clear spell, resolves after ALERT_RESOLVE_AFTER', () => {
    const alerts = new AlertsService(loadApiConfig({})); // defaults: for 10m, resolve after 15m
    pass(alerts, 0, 70);
    pass(alerts, 5, 70);
    expect(alerts.active()).toEqual([]); // pending for 5 min
    pass(alerts, 10, 71);
    const [fired] = alerts.active();
    expect(fired).toMatchObject({
      id: alertId('pprisk0001', 'cpu_percent'),
      state: 'firing',
      severity: 'critical',
      first_seen: iso(0),
      last_seen: iso(10),
    });
    expect(fired.id).toMatch(/^[0-9a-f]{16}$/);
    pass(alerts, 15, null); // clear for one pass: still firing
    pass(alerts, 20, 72);
    pass(alerts, 25, null);
    pass(alerts, 35, null);
    expect(alerts.active()).toHaveLength(1);
    expect(alerts.active()[0]).toMatchObject({
      id: fired.id,
      first_seen: iso(0),
      last_seen: iso(20),
    });
    pass(alerts, 40, null); // clear since 25: 15 min
    expect(alerts.active()).toEqual([]);
    expect(alerts.recentlyResolved()[0]).toMatchObject({
      id: fired.id,
      state: 'resolved',
      first_seen: iso(0),
      resolved_at: iso(40),
    });
  });

  it('says once how the alerts moved since the previous take: raised, updated, resolved, dropped', () => {
    const alerts = new AlertsService(loadApiConfig({}));
    const moves = () => {
      const t = alerts.take();
      const ids = (list: readonly { server: string; metric: string; minutes_ahead: number }[]) =>
        list.map((a) => `${a.server} ${a.metric} ${a.minutes_ahead}`);
      return { firing: ids(t.firing), raised: ids(t.raised), updated: ids(t.updated), resolved: ids(t.resolved), dropped: ids(t.dropped) };
    };
    const quiet = { firing: [], raised: [], updated: [], resolved: [], dropped: [] };
    pass(alerts, 0, 70);
    expect(moves()).toEqual(quiet); // pending: nothing fires yet
    pass(alerts, 10, 70);
    const fired = alerts.active()[0];
    const line = `pprisk0001 cpu_percent ${fired.minutes_ahead}`;
    expect(moves()).toEqual({ ...quiet, firing: [line], raised: [line] });
    pass(alerts, 15, 70);
    expect(moves()).toEqual({ ...quiet, firing: [line] }); // predicted the same: no move
    pass(alerts, 20, 75); // the same alert, sooner
    const sooner = `pprisk0001 cpu_percent ${alerts.active()[0].minutes_ahead}`;
    expect(sooner).not.toBe(line);
    expect(moves()).toEqual({ ...quiet, firing: [sooner], updated: [sooner] });
    pass(alerts, 25, null);
    pass(alerts, 40, null); // clear for ALERT_RESOLVE_AFTER
    expect(moves()).toEqual({ ...quiet, resolved: [sooner] });
    pass(alerts, 50, 70);
    pass(alerts, 60, 70);
    alerts.forget('pprisk0001'); // retired while firing, within one take: raised and dropped cancel to a drop
    expect(moves()).toEqual({ ...quiet, dropped: [line] });
  });

  it('hands a server over: the taker goes on with the same alert, the giver neither fires nor resolves it', () => {
    const giver = new AlertsService(loadApiConfig({}));
    pass(giver, 0, 70);
    pass(giver, 10, 71); // fired, first_seen at 0
    pass(giver, 15, null); // clear for one pass: still firing, clear since 15
    const state = giver.stateOf('pprisk0001');
    expect(state.firing.map((a) => [a.metric, a.first_seen])).toEqual([['cpu_percent', iso(0)]]);
    expect(state.lifecycle.cpu_percent).toEqual({ since: at(0), firing: true, clearSince: at(15) });
    giver.release('pprisk0001');
    expect(giver.active()).toEqual([]);
    expect(giver.take()).toMatchObject({ firing: [], raised: [], resolved: [], handedOver: [alertId('pprisk0001', 'cpu_percent')] });
    expect(giver.recentlyResolved()).toEqual([]);

    const taker = new AlertsService(loadApiConfig({}));
    taker.takeOver('pprisk0001', JSON.parse(JSON.stringify(state))); // as the KV bucket carries it
    expect(taker.active().map((a) => [a.id, a.first_seen])).toEqual([[alertId('pprisk0001', 'cpu_percent'), iso(0)]]);
    pass(taker, 20, 72); // predicted again: the same alert goes on
    expect(taker.active()).toMatchObject([{ first_seen: iso(0), last_seen: iso(20) }]);
    pass(taker, 25, null);
    pass(taker, 40, null); // clear for ALERT_RESOLVE_AFTER since 25: resolves, once
    expect(taker.recentlyResolved()).toMatchObject([{ first_seen: iso(0), resolved_at: iso(40) }]);
  });

  it('a server on the heuristic alerts on its line, not on its band', () => {
    const alerts = new AlertsService(loadApiConfig({}));
    /** cpu line at `level` with a band 30 points wide: the model rule would page on its p90 at once. */
    const wide = (level: number): MetricForecasts => {
      const f = forecast(null);
      const p50 = Array(96).fill(level);
      f.cpu_percent = { p10: p50.map((v) => v - 30), p50, p90: p50.map((v) => v + 30) };
      return f;
    };
    for (const minutes of [0, 5, 10, 15]) {
      alerts.update([{ ...base, model: 'heuristic', server: 'ppweb0001', at: at(minutes), quantiles: wide(60) }], 300);
      alerts.update([{ ...base, model: 'TFT', server: 'ppweb0002', at: at(minutes), quantiles: wide(60) }], 300);
      alerts.update([{ ...base, model: 'heuristic', server: 'ppweb0003', at: at(minutes), quantiles: wide(97) }], 300);
    }
    expect(alerts.active().map((a) => [a.server, a.severity, a.trigger])).toEqual([
      ['ppweb0003', 'critical', 'trend'],
      ['ppweb0002', 'warning', 'p90'],
    ]);
  });

  it('a breach predicted on and off every pass does not flap the active count', () => {
    const alerts = new AlertsService(loadApiConfig({}));
    const counts: number[] = [];
    for (let k = 0; k < 24; k++) {
      pass(alerts, 5 * k, k % 2 === 0 || k % 3 === 0 ? 70 : null);
      counts.push(alerts.active().length);
    }
    const changes = counts.slice(1).filter((c, i) => c !== counts[i]).length;
    expect(changes).toBe(1); // pending at first, then firing throughout
  });

  it('ALERT_FOR and ALERT_RESOLVE_AFTER are configurable (0 = at once)', () => {
    const alerts = new AlertsService(loadApiConfig({ ALERT_FOR: '0', ALERT_RESOLVE_AFTER: '0s' }));
    pass(alerts, 0, 70);
    expect(alerts.active()).toHaveLength(1);
    pass(alerts, 5, null);
    expect(alerts.active()).toEqual([]);
    const slow = new AlertsService(loadApiConfig({ ALERT_FOR: '1h' }));
    for (let m = 0; m < 60; m += 5) pass(slow, m, 70);
    expect(slow.active()).toEqual([]);
    pass(slow, 60, 70);
    expect(slow.active()[0].first_seen).toBe(iso(0));
  });

  it('resolves the alerts of a server that went stale', () => {
    const alerts = new AlertsService(loadApiConfig({ ALERT_FOR: '0' }));
    pass(alerts, 0, 70);
    alerts.resolveServer('pprisk0001', at(30));
    expect(alerts.active()).toEqual([]);
    expect(alerts.recentlyResolved()[0]).toMatchObject({
      state: 'resolved',
      resolved_at: iso(30),
    });
  });

  it('holds critical until critical has not been predicted for ALERT_RESOLVE_AFTER, across a hand-over too: a forecast hovering at the threshold does not flip it', () => {
    const alerts = new AlertsService(loadApiConfig({ ALERT_FOR: '0' })); // resolve after 15 min
    const { warning, critical } = alerts.thresholds(base.profile).cpu_percent;
    /** cpu flat at `v` in every quantile, the other metrics flat and low. */
    const flat = (v: number): MetricForecasts =>
      Object.fromEntries(
        METRICS.map((m) => {
          const line = Array<number>(96).fill(m === 'cpu_percent' ? v : 1);
          return [m, { p10: line, p50: line, p90: line }];
        }),
      ) as MetricForecasts;
    const hover = (service: AlertsService, minutes: number, v: number) =>
      service.update([{ ...base, at: at(minutes), quantiles: flat(v) }], 300);
    const severities: string[] = [];
    const inWarning = (warning + critical) / 2;
    for (const [minutes, v] of [
      [0, critical + 1],
      [5, inWarning],
      [10, critical + 1],
      [15, inWarning],
      [20, inWarning],
    ] as const) {
      hover(alerts, minutes, v);
      severities.push(alerts.active()[0].severity);
    }
    expect(severities).toEqual(['critical', 'critical', 'critical', 'critical', 'critical']);
    const raisedSoFar = alerts.take().raised.map((a) => a.severity);
    expect(raisedSoFar).toEqual(['critical']);
    // the same on the replica that takes the server over
    const taker = new AlertsService(loadApiConfig({ ALERT_FOR: '0' }));
    taker.takeOver(base.server, alerts.stateOf(base.server));
    hover(taker, 24, inWarning);
    expect(taker.active()[0]).toMatchObject({ severity: 'critical', last_seen: iso(24) });
    hover(taker, 25, inWarning); // critical last predicted at 10: 15 minutes
    expect(taker.active()[0]).toMatchObject({ severity: 'warning', last_seen: iso(25) });
    expect(taker.take().raised.map((a) => a.severity)).toEqual(['warning']);
    hover(taker, 30, critical + 1); // a rise is at once
    expect(taker.active()[0].severity).toBe('critical');
  });
});
