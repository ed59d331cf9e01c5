import { METRICS, systemClock } from '@tft/contracts';
import type { MetricForecasts, ServerIncidentRisk } from '@tft/forecasting';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { AlertsService, type Alert } from '../alerts/alerts.service';
import { loadApiConfig } from '../config/api-config';
import { DEFAULT_GRID, type ModelRuntime } from '../model/model-provider';
import type { CachedBody } from '../common/cached-body';
import { forecastHighlights } from '../snapshot/forecast-highlights';
import { ReadBodies } from '../bodies/read-bodies';
import { LiveFeed } from '../events/live-feed';
import { alertChanges } from '../snapshot/alert';
import { ApiEvents } from '../snapshot/api-events';
import { ForecastStore } from './forecast-store';
import type { NewForecast } from '../snapshot/forecast-snapshot';

const runtime = {
  tft: null,
  grid: DEFAULT_GRID,
  device: { device: 'cpu', profile: 'cpu-2t' },
  modelDir: null,
  modelVersion: null,
  alertRule: null,
} as unknown as ModelRuntime;

const T0 = Date.UTC(2026, 0, 5, 12) / 1000;

/** Every metric flat at `level` (cpu at `cpu`, load at 1), a band of +-2. */
function quantiles(cpu: number, level = 20): MetricForecasts {
  return Object.fromEntries(
    METRICS.map((m) => {
      const v = m === 'cpu_percent' ? cpu : m === 'load_average' ? 1 : level;
      const p50 = new Array<number>(96).fill(v);
      return [m, { p10: p50.map((x) => x - 2), p50, p90: p50.map((x) => x + 2) }];
    }),
  ) as MetricForecasts;
}

function forecast(server: string, opts: { cpu?: number; p8h?: number; profile?: string; model?: 'TFT' | 'heuristic' } = {}): NewForecast {
  const q = quantiles(opts.cpu ?? 30);
  const risk: ServerIncidentRisk = {
    probability_30m: (opts.p8h ?? 0) / 2,
    probability_8h: opts.p8h ?? 0,
    driver: opts.p8h ? 'cpu_percent' : null,
  };
  return {
    server,
    profile: opts.profile ?? 'web_api',
    model: opts.model ?? 'TFT',
    origin: T0,
    quantiles: q,
    drivers: null,
    risk,
    highlights: forecastHighlights(q, new AlertsService(loadApiConfig({})).thresholds('web_api'), T0, 300),
    warmup: { is_warmed_up: true, progress_percent: 100 },
    latest: [opts.cpu ?? 30, 20, 20, 20],
    horizonHours: 8,
  };
}

/** Each store's projections, as the app wires them through ApiEvents. */
const readSides = new WeakMap<ForecastStore, { bodies: ReadBodies; live: LiveFeed }>();

function newStore(alerts: AlertsService): ForecastStore {
  const events = new ApiEvents();
  const store = new ForecastStore(alerts, systemClock, events);
  readSides.set(store, { bodies: new ReadBodies(store, runtime, events), live: new LiveFeed(events) });
  return store;
}

const bodiesOf = (store: ForecastStore): ReadBodies => (readSides.get(store) as { bodies: ReadBodies }).bodies;

/** A pass's publish: what is staged, with the alerts' transitions since the previous one. */
function publishPass(store: ForecastStore, alerts: AlertsService, dataTime: number, staleServers: number): void {
  store.apply({
    dataTime,
    forecasts: [],
    removed: [],
    latest: new Map(),
    staleServers,
    alerts: alerts.take(),
    pass: { count: 1, lastMs: 0, newestForecastAt: null, lastCollectionMs: null },
  });
}

function storeWith(...forecasts: NewForecast[]): ForecastStore {
  const store = newStore(new AlertsService(loadApiConfig({})));
  for (const f of forecasts) store.put(f);
  store.publish(T0, 0);
  return store;
}

const json = (body: CachedBody) => JSON.parse(body.body.toString('utf8'));

/** What a reader gets for `body` when it sends `etag`: 200 or 304. */
function statusFor(body: CachedBody, etag?: string): number {
  let status = 0;
  const res = { setHeader: () => res, status: (s: number) => ((status = s), res), end: () => res } as unknown as Response;
  body.send({ headers: etag ? { 'if-none-match': etag } : {} } as Request, res);
  return status;
}

/** Subscribes a response to the store's change feed that records every frame written to it. */
function subscribeFrames(store: ForecastStore): string[] {
  const frames: string[] = [];
  const res = {
    status: () => res,
    setHeader: () => res,
    flushHeaders: () => undefined,
    on: () => res,
    writableLength: 0,
    write: (f: string) => frames.push(f),
    end: () => res,
  } as unknown as Response;
  readSides.get(store)?.live.feed.subscribe(res, undefined);
  return frames;
}

describe('ForecastStore', () => {
  it('pages the summary in a stable order: every server once, whatever the page size', () => {
    const names = Array.from({ length: 57 }, (_, i) => `ppweb${String(i).padStart(4, '0')}`);
    // ties in risk on purpose: the name breaks them
    const store = storeWith(...names.map((n, i) => forecast(n, { p8h: (i % 5) / 10 })));
    for (const limit of [1, 7, 57, 100]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = json(bodiesOf(store).summary({ sort: 'risk', limit, cursor }));
        expect(page.matching).toBe(57);
        seen.push(...page.servers.map((s: { name: string }) => s.name));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(new Set(seen).size).toBe(57);
      expect(seen.slice(0, 3)).toEqual(['ppweb0004', 'ppweb0009', 'ppweb0014']); // 0.4, by name
      expect(seen.at(-1)).toBe('ppweb0055'); // risk 0, the last name
    }
  });

  it('keeps pages free of repeats when a server is added between two pages', () => {
    const store = newStore(new AlertsService(loadApiConfig({})));
    for (const n of ['b', 'd', 'f']) store.put(forecast(`pp${n}`));
    store.publish(T0, 0);
    const first = json(bodiesOf(store).summary({ sort: 'name', limit: 2 }));
    expect(first.servers.map((s: { name: string }) => s.name)).toEqual(['ppb', 'ppd']);
    store.put(forecast('ppa'));
    store.put(forecast('ppe'));
    store.publish(T0 + 300, 0);
    const second = json(bodiesOf(store).summary({ sort: 'name', limit: 2, cursor: first.next_cursor }));
    expect(second.servers.map((s: { name: string }) => s.name)).toEqual(['ppe', 'ppf']);
    expect(second.next_cursor).toBeNull();
  });

  it('filters exactly: name part, profile, model and worst alert severity', () => {
    const store = storeWith(
      forecast('ppdb0001', { profile: 'database' }),
      forecast('ppdb0002', { profile: 'database', model: 'heuristic' }),
      forecast('ppweb0001'),
      forecast('ppweb0002', { model: 'heuristic' }),
    );
    const names = (q: Parameters<ReadBodies['summary']>[0]) =>
      json(bodiesOf(store).summary(q)).servers.map((s: { name: string }) => s.name);
    expect(names({ sort: 'name', q: 'DB0' })).toEqual(['ppdb0001', 'ppdb0002']);
    expect(names({ sort: 'name', profiles: new Set(['web_api']), models: new Set(['heuristic']) })).toEqual(['ppweb0002']);
    expect(names({ sort: 'name', severities: new Set(['critical']) })).toEqual([]);
    expect(names({ sort: 'name', severities: new Set(['none']) })).toHaveLength(4);
    expect(json(bodiesOf(store).summary({ sort: 'name', q: 'web' })).fleet).toMatchObject({
      total_servers: 4,
      servers_tft: 2,
      servers_heuristic: 2,
    });
  });

  it('lists the worst alert of each server and sorts by it', () => {
    const alerts = new AlertsService(loadApiConfig({ ALERT_FOR: '0' }));
    const store = newStore(alerts);
    const hot = forecast('pphot0001', { cpu: 99 });
    store.put(hot);
    store.put(forecast('ppcool0001'));
    alerts.update([{ server: 'pphot0001', profile: 'web_api', model: 'TFT', origin: T0, at: T0, quantiles: hot.quantiles }], 300);
    publishPass(store, alerts, T0, 0);
    const summary = json(bodiesOf(store).summary({ sort: 'alert' }));
    expect(summary.servers[0]).toMatchObject({
      name: 'pphot0001',
      alert: { severity: 'critical', metric: 'cpu_percent', minutes_ahead: 5 },
    });
    expect(summary.servers[1]).toMatchObject({ name: 'ppcool0001', alert: null });
    expect(summary.fleet).toMatchObject({ alerts_critical: 1, alerts_warning: 0 });
    expect(json(bodiesOf(store).summary({ sort: 'name', severities: new Set(['critical']) })).servers).toHaveLength(1);
  });

  it('changes ETags exactly when content does', () => {
    const store = storeWith(forecast('ppa'), forecast('ppb'));
    const before = {
      summary: bodiesOf(store).summary({ sort: 'risk' }),
      full: bodiesOf(store).predictions(),
      one: bodiesOf(store).serverBody('ppa') as CachedBody,
    };
    expect(statusFor(before.summary, before.summary.etag)).toBe(304);
    // a pass that changed nothing: the same bodies
    store.publish(T0, 0);
    expect(bodiesOf(store).summary({ sort: 'risk' }).etag).toBe(before.summary.etag);
    expect(bodiesOf(store).predictions().etag).toBe(before.full.etag);
    // only ppb's live numbers move: ppa's own body stays, the fleet bodies change
    store.setLatest('ppb', [31, 20, 20, 20]);
    store.publish(T0 + 60, 0);
    expect(bodiesOf(store).serverBody('ppa')?.etag).toBe(before.one.etag);
    expect(bodiesOf(store).summary({ sort: 'risk' }).etag).not.toBe(before.summary.etag);
    expect(statusFor(bodiesOf(store).predictions(), before.full.etag)).toBe(200);
    expect(json(bodiesOf(store).predictions()).predictions.ppb.cpu_percent.current).toBe(31);
    // the same value again is no change
    const now = bodiesOf(store).predictions().etag;
    store.setLatest('ppb', [31, 20, 20, 20]);
    store.publish(T0 + 120, 0);
    expect(bodiesOf(store).predictions().etag).toBe(now);
  });

  it('publishes whole passes only: a staged forecast is invisible until publish', () => {
    const store = storeWith(forecast('ppa', { cpu: 30 }));
    store.put(forecast('ppa', { cpu: 60 }));
    store.put(forecast('ppnew'));
    expect(json(bodiesOf(store).predictions()).predictions.ppa.cpu_percent.p50[0]).toBe(30);
    expect(bodiesOf(store).serverBody('ppnew')).toBeNull();
    store.publish(T0 + 300, 0);
    expect(json(bodiesOf(store).predictions()).predictions.ppa.cpu_percent.p50[0]).toBe(60);
    expect(Object.keys(json(bodiesOf(store).predictions()).predictions).sort()).toEqual(['ppa', 'ppnew']);
  });

  it('narrows the predictions body by servers and metrics, and pages it by name', () => {
    const store = storeWith(forecast('ppc'), forecast('ppa'), forecast('ppb'));
    const whole = json(bodiesOf(store).predictions());
    const narrowed = json(bodiesOf(store).predictions({ servers: ['ppb', 'ppzz'], metrics: [0, 3] }));
    expect(Object.keys(narrowed.predictions)).toEqual(['ppb']);
    expect(narrowed.predictions.ppb).toEqual({
      cpu_percent: whole.predictions.ppb.cpu_percent,
      load_average: whole.predictions.ppb.load_average,
      model: 'TFT',
      profile: 'web_api',
      forecast_origin: whole.predictions.ppb.forecast_origin,
      drivers: null,
      risk: whole.predictions.ppb.risk,
    });
    expect(narrowed).not.toHaveProperty('next_cursor');
    const first = json(bodiesOf(store).predictions({ limit: 2 }));
    expect(Object.keys(first.predictions)).toEqual(['ppa', 'ppb']);
    const last = json(bodiesOf(store).predictions({ limit: 2, cursor: first.next_cursor }));
    expect(Object.keys(last.predictions)).toEqual(['ppc']);
    expect(last.next_cursor).toBeNull();
    expect(() => bodiesOf(store).predictions({ limit: 2, cursor: 'garbage' })).toThrow(/cursor: not a cursor this api returned/);
    expect(() => bodiesOf(store).summary({ sort: 'risk', cursor: first.next_cursor })).toThrow(/pages through sort=name, not sort=risk/);
  });

  it('serves one server from its own bytes, equal to its entry in the fleet body', () => {
    const store = storeWith(forecast('ppa'), forecast('ppb', { cpu: 50 }));
    expect(json(bodiesOf(store).serverBody('ppb') as CachedBody)).toEqual(json(bodiesOf(store).predictions()).predictions.ppb);
    expect(bodiesOf(store).forecastJson('ppb')?.toString()).toBe((bodiesOf(store).serverBody('ppb') as CachedBody).body.toString());
  });

  it('lists at most 500 changed servers in a pass event and counts them all', () => {
    const store = newStore(new AlertsService(loadApiConfig({})));
    const frames = subscribeFrames(store);
    for (let i = 0; i < 600; i++) store.put(forecast(`pp${String(i).padStart(4, '0')}`));
    store.publish(T0, 0);
    const data = JSON.parse(/data: (.*)/.exec(frames.find((f) => f.includes('event: pass')) ?? '')?.[1] ?? 'null');
    expect(data.changed).toHaveLength(500);
    expect(data.changed_count).toBe(600);
    expect(data.total_servers).toBe(600);
    readSides.get(store)?.live.onApplicationShutdown();
  });

  it('announces each pass that changed something with the servers to refetch, and alert transitions', () => {
    const alerts = new AlertsService(loadApiConfig({ ALERT_FOR: '0', ALERT_RESOLVE_AFTER: '0s' }));
    const store = newStore(alerts);
    const frames = subscribeFrames(store);
    store.put(forecast('ppa'));
    store.put(forecast('ppb'));
    publishPass(store, alerts, T0, 0);
    store.setLatest('ppa', [35, 20, 20, 20]);
    publishPass(store, alerts, T0 + 60, 0);
    publishPass(store, alerts, T0 + 120, 0); // nothing new: no event
    const hot = forecast('ppb', { cpu: 99 });
    store.put(hot);
    alerts.update([{ server: 'ppb', profile: 'web_api', model: 'TFT', origin: T0, at: T0 + 300, quantiles: hot.quantiles }], 300);
    publishPass(store, alerts, T0 + 300, 0);
    store.remove('ppb');
    alerts.resolveServer('ppb', T0 + 600);
    publishPass(store, alerts, T0 + 600, 1);
    const events = frames
      .filter((f) => f.startsWith('id:'))
      .map((f) => {
        const [, type] = /event: (\w+)/.exec(f) ?? [];
        const data = JSON.parse(/data: (.*)/.exec(f)?.[1] ?? 'null');
        return type === 'pass'
          ? `pass changed=${data.changed} removed=${data.removed} live=${data.live_updates}`
          : `${data.state} ${data.server}`;
      });
    expect(events).toEqual([
      'pass changed=ppa,ppb removed= live=0',
      'pass changed= removed= live=1',
      'pass changed=ppb removed= live=0',
      'firing ppb',
      'pass changed= removed=ppb live=0',
      'resolved ppb',
    ]);
    readSides.get(store)?.live.onApplicationShutdown();
  });
});

describe('ForecastStore in cluster mode: other replicas’ forecasts beside its own', () => {
  const remoteAlert = (server: string): Alert => ({
    id: `id-${server}`,
    server,
    metric: 'memory_percent',
    severity: 'warning',
    predicted_value: 88,
    threshold: 85,
    minutes_ahead: 40,
    trigger: 'p50',
    expected_at: '2026-01-05T12:40:00Z',
    model: 'TFT',
    state: 'firing',
    first_seen: '2026-01-05T12:00:00Z',
    last_seen: '2026-01-05T12:00:00Z',
    resolved_at: null,
  });

  it('serves remote forecasts and alerts with its own, and hands alerts over', () => {
    const alerts = new AlertsService(loadApiConfig({ ALERT_FOR: '0' }));
    const store = newStore(alerts);
    const hot = forecast('pplocal0001', { cpu: 99 });
    store.put(hot);
    alerts.update([{ server: 'pplocal0001', profile: 'web_api', model: 'TFT', origin: T0, at: T0, quantiles: hot.quantiles }], 300);
    const resolvedThere = {
      ...remoteAlert('ppremote0001'),
      metric: 'disk_percent' as const,
      state: 'resolved' as const,
      resolved_at: '2026-01-05T11:50:00Z',
    };
    store.putRemote(
      forecast('ppremote0001'),
      [remoteAlert('ppremote0001')],
      [resolvedThere],
      alertChanges([], [remoteAlert('ppremote0001')]),
    );
    store.setRemoteStale(3);
    publishPass(store, alerts, T0, 1);

    const active = json(bodiesOf(store).activeAlertsBody());
    // critical (own) before warning (remote), one list for the whole fleet
    expect(active.alerts.map((a: Alert) => `${a.server} ${a.severity}`)).toEqual(['pplocal0001 critical', 'ppremote0001 warning']);
    expect(store.alertsOf('ppremote0001')).toHaveLength(1);
    const summary = json(bodiesOf(store).summary({ sort: 'name' }));
    expect(summary.fleet).toMatchObject({ total_servers: 2, stale_servers: 4, alerts_critical: 1, alerts_warning: 1 });
    expect(store.alertsOf('pplocal0001').map((a) => a.severity)).toEqual(['critical']);
    // GET /alerts/resolved: the whole fleet's, the other replica's included
    expect(store.resolvedAlerts().map((a) => `${a.server} ${a.metric}`)).toEqual(['ppremote0001 disk_percent']);

    // the local server moves to another replica: its forecast and alerts stay readable, its lifecycle goes
    store.handOver('pplocal0001');
    alerts.release('pplocal0001');
    publishPass(store, alerts, T0 + 60, 1);
    expect(json(bodiesOf(store).activeAlertsBody()).count).toBe(2);
    expect(store.alertsOf('pplocal0001').map((a) => a.severity)).toEqual(['critical']);
    // and the remote one becomes this replica's: its own (empty) lifecycle rules from its next snapshot
    store.adopt('ppremote0001');
    publishPass(store, alerts, T0 + 120, 1);
    expect(store.alertsOf('ppremote0001')).toEqual([]);
    store.removeRemote('pplocal0001', alertChanges(store.alertsOf('pplocal0001'), []));
    publishPass(store, alerts, T0 + 180, 1);
    expect(store.size).toBe(1);
    expect(json(bodiesOf(store).activeAlertsBody()).count).toBe(0);
  });
});
