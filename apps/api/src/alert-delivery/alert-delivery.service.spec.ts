import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { isoSeconds } from '@tft/forecasting';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alertId, type Alert, type AlertTransitions } from '../alerts/alerts.service';
import { loadApiConfig, type ApiConfig } from '../config/api-config';
import type { ForecastSnapshot } from '../snapshot/forecast-snapshot';
import type { AlertmanagerAlert, WebhookPayload } from './alert-payloads';

/** The forecast snapshots as delivery subscribes to them: `listen` gets each handler. */
const alertSource = (listen: (l: (s: Pick<ForecastSnapshot, 'alerts'>) => void) => void): AlertSource =>
  ({ on: (_event: string, handler: (s: Pick<ForecastSnapshot, 'alerts'>) => void) => listen(handler) }) as unknown as AlertSource;
import { AlertDeliveryService, SHARE_WAIT_MS, WEBHOOK_QUEUE_LIMIT, type AlertSource } from './alert-delivery.service';
import { fetchTransport, type AlertTransport } from './alert-transport';

const T0 = Date.UTC(2026, 0, 5, 12);
const wall = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
/** Data time, here running with the wall clock unless a test says otherwise. */
const data = (seconds: number) => isoSeconds(T0 / 1000 + seconds);

const alert = (metric: Alert['metric'], over: Partial<Alert> = {}): Alert => ({
  id: alertId('ppweb0001', metric),
  server: 'ppweb0001',
  metric,
  severity: 'critical',
  predicted_value: 96.43,
  threshold: 95,
  minutes_ahead: 25,
  trigger: 'p50',
  expected_at: data(1500),
  model: 'TFT',
  state: 'firing',
  first_seen: data(-600),
  last_seen: data(0),
  resolved_at: null,
  ...over,
});
/** A snapshot's alerts that only fire: nothing resolved, handed over or dropped. */
const firingOnly = (firing: Alert[]): AlertTransitions => ({ firing, raised: [], updated: [], resolved: [], handedOver: [], dropped: [] });
const resolvedAt = (a: Alert, seconds: number): Alert => ({ ...a, state: 'resolved', resolved_at: data(seconds) });

interface Sent {
  /** Seconds after T0. */
  at: number;
  url: string;
  body: string;
  headers: Record<string, string>;
}

function setup(over: Partial<ApiConfig> = {}, statusOf: (url: string) => number = () => 200) {
  const config: ApiConfig = {
    ...loadApiConfig({}),
    alertmanagerUrls: ['http://am1:9093'],
    alertWebhookUrls: [],
    ...over,
  };
  let listener: ((s: Pick<ForecastSnapshot, 'alerts'>) => void) | undefined;
  const subscribe = vi.fn((l: (s: Pick<ForecastSnapshot, 'alerts'>) => void) => {
    listener = l;
  });
  const sent: Sent[] = [];
  const transport: AlertTransport = {
    post: async (url, body, headers) => {
      sent.push({ at: (Date.now() - T0) / 1000, url, body, headers: { ...headers } });
      return { status: statusOf(url), body: '' };
    },
  };
  const registry = new Registry();
  const profiles = { get: (server: string) => (server === 'ppweb0001' ? { profile: 'web_api' } : undefined) };
  const service = new AlertDeliveryService(config, { now: () => Date.now() }, registry, transport, alertSource(subscribe), profiles);
  const publish = (firing: Alert[], resolved: Alert[] = [], handedOver: string[] = [], dropped: Alert[] = []) => {
    listener?.({ alerts: { ...firingOnly(firing), resolved, handedOver, dropped } });
  };
  const alertmanager = (url = 'http://am1:9093/api/v2/alerts') =>
    sent.filter((s) => s.url === url).map((s) => ({ at: s.at, alerts: JSON.parse(s.body) as AlertmanagerAlert[] }));
  const webhook = (url: string) => sent.filter((s) => s.url === url).map((s) => ({ ...s, payload: JSON.parse(s.body) as WebhookPayload }));
  const deliveries = async () =>
    Object.fromEntries(
      (await registry.getSingleMetric('tft_alert_deliveries_total')!.get()).values.map((v) => [
        `${v.labels.kind} ${v.labels.target} ${v.labels.outcome}`,
        v.value,
      ]),
    );
  return { service, subscribe, publish, sent, alertmanager, webhook, deliveries, registry };
}

/** Fake timers from T0 (the service's clock reads them) and no log output; real ones again after each test. */
function useFakeClockAndQuietLogs(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}

describe('AlertDeliveryService to Alertmanager', () => {
  useFakeClockAndQuietLogs();

  it('sends a new alert at once, then every firing alert each resend interval: endsAt moves, startsAt and labels stay', async () => {
    const t = setup();
    t.publish([alert('cpu_percent')]);
    await vi.advanceTimersByTimeAsync(30_000);
    t.publish([alert('cpu_percent', { predicted_value: 97.2, last_seen: data(30) })]); // the same alert: no extra send
    await vi.advanceTimersByTimeAsync(120_000);
    t.publish([alert('cpu_percent'), alert('memory_percent', { first_seen: data(140) })]); // a new one: sent at once
    await vi.advanceTimersByTimeAsync(60_000);
    const sends = t.alertmanager();
    expect(sends.map((s) => s.at)).toEqual([0, 60, 120, 150, 210]);
    expect(sends.map((s) => s.alerts[0].endsAt)).toEqual([wall(240), wall(300), wall(360), wall(390), wall(450)]);
    expect(new Set(sends.map((s) => s.alerts[0].startsAt))).toEqual(new Set([wall(-600)]));
    expect(new Set(sends.map((s) => JSON.stringify(s.alerts[0].labels))).size).toBe(1);
    expect(sends[0].alerts[0].labels).toMatchObject({
      server: 'ppweb0001',
      metric: 'cpu_percent',
      profile: 'web_api',
      severity: 'critical',
    });
    expect(sends[1].alerts[0].annotations.predicted_value).toBe('97.2');
    expect(sends[3].alerts.map((a) => [a.labels.metric, a.startsAt])).toEqual([
      ['cpu_percent', wall(-600)],
      ['memory_percent', wall(140)],
    ]);
    expect(t.sent[0].headers).toEqual({ 'content-type': 'application/json', 'user-agent': 'tft-inference' });
  });

  it('keeps startsAt at the wall-clock time of the first send when data time runs ahead', async () => {
    const t = setup();
    await vi.advanceTimersByTimeAsync(5000);
    t.publish([alert('cpu_percent', { first_seen: data(7200) })]);
    await vi.advanceTimersByTimeAsync(130_000);
    t.publish([alert('cpu_percent', { first_seen: data(7200), last_seen: data(9000) })]);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.alertmanager().map((s) => [s.at, s.alerts[0].startsAt])).toEqual([
      [5, wall(5)],
      [65, wall(5)],
      [125, wall(5)],
    ]);
  });

  it('sends a resolved alert at once with endsAt its resolution, re-sends it for 15 minutes, then drops it', async () => {
    const t = setup();
    const cpu = alert('cpu_percent');
    t.publish([cpu]);
    await vi.advanceTimersByTimeAsync(30_000);
    t.publish([], [resolvedAt(cpu, 20)]);
    await vi.advanceTimersByTimeAsync(3600_000);
    const sends = t.alertmanager();
    expect(sends.map((s) => s.at)).toEqual([0, ...Array.from({ length: 16 }, (_, k) => 30 + 60 * k)]);
    expect(sends.at(-1)?.at).toBe(930);
    expect(new Set(sends.slice(1).map((s) => JSON.stringify([s.alerts.length, s.alerts[0].startsAt, s.alerts[0].endsAt])))).toEqual(
      new Set([JSON.stringify([1, wall(-600), wall(20)])]),
    );
    expect(sends[1].alerts[0].labels).toEqual(sends[0].alerts[0].labels);
    expect(vi.getTimerCount()).toBe(0); // nothing left to send, nothing scheduled
  });

  it('fires again, and stops sending the resolved one, when the alert re-fires within those 15 minutes', async () => {
    const t = setup();
    const cpu = alert('cpu_percent');
    t.publish([cpu]);
    await vi.advanceTimersByTimeAsync(60_000);
    t.publish([], [resolvedAt(cpu, 60)]);
    await vi.advanceTimersByTimeAsync(230_000);
    expect(t.alertmanager().at(-1)?.alerts[0].endsAt).toBe(wall(60));
    t.publish([alert('cpu_percent', { first_seen: data(280) })]);
    await vi.advanceTimersByTimeAsync(1800_000);
    const after = t.alertmanager().filter((s) => s.at >= 290);
    expect(after[0].at).toBe(290);
    expect(after.length).toBe(31);
    for (const s of after) {
      expect(s.alerts).toHaveLength(1);
      expect(s.alerts[0].startsAt).toBe(wall(280));
      expect(s.alerts[0].endsAt).toBe(wall(s.at + 240));
    }
  });

  it('ends the old label set when an alert changes severity, keeping its startsAt for the new one', async () => {
    const t = setup();
    t.publish([alert('cpu_percent', { severity: 'warning', threshold: 85 })]);
    await vi.advanceTimersByTimeAsync(90_000);
    t.publish([alert('cpu_percent', { severity: 'critical' })]);
    await vi.advanceTimersByTimeAsync(0);
    const escalated = t.alertmanager().at(-1);
    expect(escalated?.at).toBe(90);
    expect(escalated?.alerts.map((a) => [a.labels.severity, a.startsAt, a.endsAt])).toEqual([
      ['warning', wall(-600), wall(90)],
      ['critical', wall(-600), wall(330)],
    ]);
    await vi.advanceTimersByTimeAsync(1000_000);
    expect(
      t
        .alertmanager()
        .at(-1)
        ?.alerts.map((a) => a.labels.severity),
    ).toEqual(['critical']);
  });

  it('ends an alert dropped without a resolve (its server retired)', async () => {
    const t = setup();
    t.publish([alert('cpu_percent'), alert('disk_percent')]);
    await vi.advanceTimersByTimeAsync(10_000);
    t.publish([alert('disk_percent')], [], [], [alert('cpu_percent')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(
      t
        .alertmanager()
        .at(-1)
        ?.alerts.map((a) => [a.labels.metric, a.endsAt]),
    ).toEqual([
      ['cpu_percent', wall(10)],
      ['disk_percent', wall(250)],
    ]);
  });

  it('serves each Alertmanager on its own: one that fails backs off while the other gets every send', async () => {
    const t = setup({ alertmanagerUrls: ['http://am1:9093', 'http://am2:9093'] }, (url) => (url.startsWith('http://am1') ? 503 : 200));
    t.publish([alert('cpu_percent')]);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(t.alertmanager('http://am2:9093/api/v2/alerts').map((s) => s.at)).toEqual([0, 60, 120, 180]);
    expect(t.alertmanager('http://am1:9093/api/v2/alerts').map((s) => s.at)).toEqual([0, 1, 3, 7, 15, 31, 63, 123, 183]);
    expect(await t.deliveries()).toEqual({
      'alertmanager http://am1:9093 ok': 0,
      'alertmanager http://am1:9093 failed': 9,
      'alertmanager http://am2:9093 ok': 4,
      'alertmanager http://am2:9093 failed': 0,
    });
    expect(Logger.prototype.warn).toHaveBeenCalledTimes(1);
    expect(t.service.targets()).toEqual([
      { target: 'http://am1:9093', kind: 'alertmanager', failedAttempts: 9 },
      { target: 'http://am2:9093', kind: 'alertmanager', failedAttempts: 0 },
    ]);
  });

  it('returns from the publish listener at once and sends the latest state after a slow request', async () => {
    let answer: (() => void) | undefined;
    const bodies: string[] = [];
    const slow: AlertTransport = {
      post: (_url, body) => {
        bodies.push(body);
        return new Promise((resolve) => (answer = () => resolve({ status: 200, body: '' })));
      },
    };
    let listener: ((s: Pick<ForecastSnapshot, 'alerts'>) => void) | undefined;
    const service = new AlertDeliveryService(
      loadApiConfig({ ALERTMANAGER_URL: 'http://am1:9093' }),
      { now: () => Date.now() },
      new Registry(),
      slow,
      alertSource((l) => (listener = l)),
      { get: () => undefined },
    );
    let previous: Alert | undefined;
    for (const [i, metric] of (['memory_percent', 'disk_percent', 'load_average'] as const).entries()) {
      const resolved = previous ? [resolvedAt(previous, 20 * i)] : [];
      listener?.({ alerts: { ...firingOnly([alert('cpu_percent'), alert(metric)]), resolved } });
      previous = alert(metric);
      await vi.advanceTimersByTimeAsync(20_000);
    }
    expect(bodies).toHaveLength(1);
    answer?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(bodies).toHaveLength(2);
    expect((JSON.parse(bodies[1]) as AlertmanagerAlert[]).map((a) => [a.labels.metric, a.labels.profile, a.endsAt])).toEqual([
      ['cpu_percent', 'unknown', wall(300)],
      ['memory_percent', 'unknown', wall(20)],
      ['disk_percent', 'unknown', wall(40)],
      ['load_average', 'unknown', wall(300)],
    ]);
    service.onModuleDestroy();
  });

  it('does nothing without targets: no listener, no timers, no metric', () => {
    const t = setup({ alertmanagerUrls: [], alertWebhookUrls: [] });
    expect(t.subscribe).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.registry.getSingleMetric('tft_alert_deliveries_total')).toBeUndefined();
    expect(t.service.targets()).toEqual([]);
  });

  it('stops sending once the module is destroyed', async () => {
    const t = setup({ alertWebhookUrls: ['http://hook/a'] }, () => 500);
    t.publish([alert('cpu_percent')]);
    await vi.advanceTimersByTimeAsync(10_000);
    const before = t.sent.length;
    t.service.onModuleDestroy();
    t.publish([], [resolvedAt(alert('cpu_percent'), 10)]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(t.sent.length).toBe(before);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('AlertDeliveryService across a cluster hand-over', () => {
  useFakeClockAndQuietLogs();

  it('the giver stops sending a handed-over alert without resolving it; the taker goes on with its startsAt and no second page', async () => {
    const HOOK = 'http://hook:8080/alerts';
    const giver = setup({ alertWebhookUrls: [HOOK] });
    // data time ahead of the wall clock, as in the demo: startsAt is when the alert was first sent
    const cpu = alert('cpu_percent', { first_seen: data(3600) });
    giver.publish([cpu]);
    await vi.advanceTimersByTimeAsync(1000);
    const sent = giver.service.sentState(cpu.id)!;
    expect(sent).toEqual({ firedAt: T0, severity: 'critical' });
    expect(giver.alertmanager().at(-1)!.alerts[0].startsAt).toBe(wall(0));
    await vi.advanceTimersByTimeAsync(30_000);
    giver.publish([], [], [cpu.id]);
    await vi.advanceTimersByTimeAsync(600_000);
    // nothing after the hand-over: no resolved to Alertmanager or the webhook, no further resends
    expect(giver.alertmanager().every((r) => r.alerts.every((a) => a.endsAt > wall(r.at)))).toBe(true);
    expect(giver.alertmanager().at(-1)!.at).toBeLessThanOrEqual(31);
    expect(giver.webhook(HOOK).map((w) => w.payload.status)).toEqual(['firing']);
    expect(giver.service.sentState(cpu.id)).toBeUndefined();

    const taker = setup({ alertWebhookUrls: [HOOK] });
    taker.service.continueFrom(cpu, sent);
    taker.publish([cpu]);
    await vi.advanceTimersByTimeAsync(1000);
    const continued = taker.alertmanager().at(-1)!.alerts;
    expect(continued.map((a) => [a.labels.metric, a.startsAt])).toEqual([['cpu_percent', wall(0)]]);
    expect(taker.webhook(HOOK)).toEqual([]);
    // an alert of its own still pages
    taker.publish([cpu, alert('memory_percent')]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(taker.webhook(HOOK).map((w) => w.payload.alerts.map((a) => a.labels.metric))).toEqual([['memory_percent']]);

    // the taker's first forecast may differ: a rise above what the webhooks were told is notified, once;
    // a fall is not (Alertmanager sees each label set)
    const warned = setup({ alertWebhookUrls: [HOOK] });
    warned.service.continueFrom({ ...cpu, severity: 'warning' }, { ...sent, severity: 'warning' });
    for (const severity of ['critical', 'warning', 'critical', 'critical'] as const) {
      warned.publish([{ ...cpu, severity }]);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(warned.webhook(HOOK).map((w) => w.payload.alerts.map((a) => a.labels.severity))).toEqual([['critical']]);
    const told = setup({ alertWebhookUrls: [HOOK] });
    told.service.continueFrom(cpu, sent);
    told.publish([{ ...cpu, severity: 'warning' }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(told.webhook(HOOK)).toEqual([]);
    const now = new Date(Date.now()).toISOString();
    expect(
      told
        .alertmanager()
        .at(-1)!
        .alerts.map((a) => [a.labels.severity, a.endsAt > now]),
    ).toEqual([
      ['critical', false],
      ['warning', true],
    ]);
  });

  it('pages a webhook when an alert fires and when it rises to critical, not at each flip of a forecast hovering at the threshold', async () => {
    const HOOK = 'http://hook:8080/alerts';
    const t = setup({ alertWebhookUrls: [HOOK] });
    for (const severity of ['warning', 'critical', 'warning', 'critical', 'warning'] as const) {
      t.publish([alert('load_average', { severity })]);
      await vi.advanceTimersByTimeAsync(1000);
    }
    t.publish([], [resolvedAt(alert('load_average', { severity: 'warning' }), 5)]);
    await vi.advanceTimersByTimeAsync(1000);
    t.publish([alert('load_average', { severity: 'warning' })]); // a new problem after the resolve
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.webhook(HOOK).map((w) => [w.payload.status, w.payload.alerts[0].labels.severity])).toEqual([
      ['firing', 'warning'],
      ['firing', 'critical'],
      ['resolved', 'warning'],
      ['firing', 'warning'],
    ]);
    // Alertmanager gets every label set: each flip ends one and starts the other
    const severities = t.alertmanager().map((r) => r.alerts.filter((a) => a.endsAt > wall(r.at)).map((a) => a.labels.severity));
    expect(severities.slice(0, 5)).toEqual([['warning'], ['critical'], ['warning'], ['critical'], ['warning']]);
  });

  it('goes on with a taken-over alert from the moment it is taken over: a publish without it in between pages nothing, and its resolve is sent', async () => {
    const HOOK = 'http://hook:8080/alerts';
    const sent = { firedAt: T0 - 3_600_000, severity: 'critical' as const };
    const cpu = alert('cpu_percent');
    const taker = setup({ alertWebhookUrls: [HOOK] });
    taker.service.continueFrom(cpu, sent);
    expect(taker.service.sentState(cpu.id)).toEqual(sent); // a hand-over onward before any pass keeps it
    // a pass that began before the take-over publishes first, with another alert only
    taker.publish([alert('memory_percent')]);
    await vi.advanceTimersByTimeAsync(1000);
    taker.publish([alert('memory_percent'), cpu]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(taker.webhook(HOOK).map((w) => w.payload.alerts.map((a) => a.labels.metric))).toEqual([['memory_percent']]);
    expect(
      taker
        .alertmanager()
        .at(-1)!
        .alerts.find((a) => a.labels.metric === 'cpu_percent')!.startsAt,
    ).toBe(wall(-3600));

    // the taker's first pass resolves another taken-over alert: the resolve goes out from here
    const load = alert('load_average');
    const resolver = setup({ alertWebhookUrls: [HOOK] });
    resolver.service.continueFrom(load, sent);
    const resolvedWall = new Date(Date.now()).toISOString();
    resolver.publish([], [resolvedAt(load, 60)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(resolver.webhook(HOOK).map((w) => [w.payload.status, w.payload.alerts.map((a) => a.labels.metric)])).toEqual([
      ['resolved', ['load_average']],
    ]);
    const [ended] = resolver.alertmanager().at(-1)!.alerts;
    expect([ended.labels.metric, ended.startsAt, ended.endsAt]).toEqual(['load_average', wall(-3600), resolvedWall]);

    // taken over before its previous owner paged it (no sent state): paged once here, and never resolved if it ends unpaged
    const fresh = setup({ alertWebhookUrls: [HOOK] });
    fresh.service.continueFrom(cpu, undefined);
    fresh.service.continueFrom(load, undefined);
    fresh.publish([cpu], [resolvedAt(load, 60)]);
    await vi.advanceTimersByTimeAsync(1000);
    fresh.publish([cpu]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fresh.webhook(HOOK).map((w) => [w.payload.status, w.payload.alerts.map((a) => a.labels.metric)])).toEqual([
      ['firing', ['cpu_percent']],
    ]);
  });
});

describe('AlertDeliveryService in cluster mode', () => {
  useFakeClockAndQuietLogs();

  it("sends a publish's webhook notifications once its alert state is shared, or after SHARE_WAIT_MS at the latest", async () => {
    const HOOK = 'http://hook:8080/alerts';
    const t = setup({ alertWebhookUrls: [HOOK], natsUrl: 'nats://127.0.0.1:4222' });
    t.publish([alert('cpu_percent')]);
    const first = t.service.shareToken();
    t.publish([alert('cpu_percent'), alert('memory_percent')]);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.webhook(HOOK)).toEqual([]); // held: their state is not in the bucket yet
    t.service.shared(first);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.webhook(HOOK).map((w) => w.payload.alerts.map((a) => a.labels.metric))).toEqual([['cpu_percent']]);
    await vi.advanceTimersByTimeAsync(SHARE_WAIT_MS);
    expect(t.webhook(HOOK).map((w) => w.payload.alerts.map((a) => a.labels.metric))).toEqual([['cpu_percent'], ['memory_percent']]);
  });
});

describe('AlertDeliveryService to webhooks', () => {
  const HOOK = 'http://hook:8080/alerts';
  useFakeClockAndQuietLogs();

  it('notifies once per pass and status, on fire and on resolve only, signed with the secret', async () => {
    const t = setup({ alertmanagerUrls: [], alertWebhookUrls: [HOOK], alertWebhookSecret: 'hook-secret' });
    const cpu = alert('cpu_percent');
    t.publish([cpu, alert('memory_percent')]);
    await vi.advanceTimersByTimeAsync(60_000);
    t.publish([cpu, alert('memory_percent')]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(t.webhook(HOOK)).toHaveLength(1);
    t.publish([alert('memory_percent'), alert('disk_percent', { first_seen: data(650) })], [resolvedAt(cpu, 655)]);
    await vi.advanceTimersByTimeAsync(600_000);
    const sends = t.webhook(HOOK);
    expect(
      sends.map((s) => [s.at, s.payload.status, s.payload.alerts.map((a) => [a.status, a.labels.metric, a.fingerprint, a.endsAt])]),
    ).toEqual([
      [
        0,
        'firing',
        [
          ['firing', 'cpu_percent', alertId('ppweb0001', 'cpu_percent'), '0001-01-01T00:00:00Z'],
          ['firing', 'memory_percent', alertId('ppweb0001', 'memory_percent'), '0001-01-01T00:00:00Z'],
        ],
      ],
      [660, 'resolved', [['resolved', 'cpu_percent', alertId('ppweb0001', 'cpu_percent'), wall(655)]]],
      [660, 'firing', [['firing', 'disk_percent', alertId('ppweb0001', 'disk_percent'), '0001-01-01T00:00:00Z']]],
    ]);
    expect(sends[0].payload).toMatchObject({
      version: '4',
      receiver: 'tft-inference',
      externalURL: 'http://localhost:8501',
      commonLabels: { alertname: 'PredictedThresholdBreach', server: 'ppweb0001', severity: 'critical' },
    });
    for (const s of sends) {
      expect(s.headers['content-type']).toBe('application/json');
      expect(s.headers['user-agent']).toBe('tft-inference');
      expect(s.headers['x-tft-signature']).toBe(`sha256=${createHmac('sha256', 'hook-secret').update(s.body).digest('hex')}`);
    }
  });

  it('notifies again, as firing, when an alert changes severity', async () => {
    const t = setup({ alertmanagerUrls: [], alertWebhookUrls: [HOOK] });
    t.publish([alert('cpu_percent', { severity: 'warning' })]);
    t.publish([alert('cpu_percent', { severity: 'warning', trigger: 'p90' })]);
    t.publish([alert('cpu_percent', { severity: 'critical', trigger: 'p90' })]);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.webhook(HOOK).map((s) => [s.payload.status, s.payload.alerts[0].labels.severity])).toEqual([
      ['firing', 'warning'],
      ['firing', 'critical'],
    ]);
    expect(t.webhook(HOOK)[0].headers['x-tft-signature']).toBeUndefined();
  });

  it('retries a failing webhook with backoff, keeps the newest notifications and counts the dropped ones', async () => {
    let status = 503;
    const t = setup({ alertmanagerUrls: [], alertWebhookUrls: [HOOK] }, () => status);
    const passes = WEBHOOK_QUEUE_LIMIT / 2 + 50;
    for (let pass = 0; pass < passes; pass++) {
      const cpu = alert('cpu_percent', { predicted_value: 96 + pass / 100 });
      t.publish([cpu]);
      t.publish([], [resolvedAt(cpu, pass)]);
    }
    await vi.advanceTimersByTimeAsync(30_000);
    const attempts = t.webhook(HOOK).map((s) => [s.at, s.payload.status, s.payload.alerts[0].annotations.predicted_value]);
    // the first went out at once; the retries take the oldest notification kept
    expect(attempts).toEqual([
      [0, 'firing', '96'],
      [1, 'firing', '96.5'],
      [3, 'firing', '96.5'],
      [7, 'firing', '96.5'],
      [15, 'firing', '96.5'],
    ]);
    status = 200;
    await vi.advanceTimersByTimeAsync(60_000);
    const delivered = t.webhook(HOOK).slice(attempts.length);
    expect(delivered).toHaveLength(WEBHOOK_QUEUE_LIMIT);
    expect(delivered.slice(0, 2).map((s) => [s.payload.status, s.payload.alerts[0].annotations.predicted_value])).toEqual([
      ['firing', '96.5'],
      ['resolved', '96.5'],
    ]);
    expect(delivered.at(-1)?.payload.alerts[0].annotations.predicted_value).toBe(String(96 + (passes - 1) / 100));
    expect(await t.deliveries()).toEqual({
      [`webhook ${HOOK} ok`]: WEBHOOK_QUEUE_LIMIT,
      [`webhook ${HOOK} failed`]: 5 + 2 * passes - WEBHOOK_QUEUE_LIMIT,
    });
    expect(Logger.prototype.warn).toHaveBeenCalledTimes(1);
    expect(Logger.prototype.log).toHaveBeenCalledWith(`webhook ${HOOK} delivered again after 5 failed attempt(s)`);
  });
});

describe('AlertDeliveryService over HTTP', () => {
  let server: Server;
  let service: AlertDeliveryService | undefined;
  afterEach(async () => {
    service?.onModuleDestroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts Alertmanager alerts to /api/v2/alerts and signed webhooks whose signature matches the bytes received', async () => {
    const received: { method?: string; url?: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(req.url === '/api/v2/alerts' ? 200 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let listener: ((s: Pick<ForecastSnapshot, 'alerts'>) => void) | undefined;
    service = new AlertDeliveryService(
      loadApiConfig({
        ALERTMANAGER_URL: base,
        ALERT_WEBHOOK_URLS: `${base}/hook`,
        ALERT_WEBHOOK_SECRET: 'sécret',
        CONSOLE_URL: 'http://console:8501',
      }),
      { now: () => Date.now() },
      new Registry(),
      fetchTransport,
      alertSource((l) => (listener = l)),
      { get: () => ({ profile: 'database' }) },
    );
    const firstSeen = isoSeconds(Math.floor(Date.now() / 1000) - 600);
    listener?.({ alerts: firingOnly([alert('cpu_percent', { server: 'ppdb 01', first_seen: firstSeen })]) });
    await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 5000 });
    const am = received.find((r) => r.url === '/api/v2/alerts');
    const hook = received.find((r) => r.url === '/hook');
    expect(am?.method).toBe('POST');
    expect(am?.headers['content-type']).toBe('application/json');
    const [sent] = JSON.parse(am?.body.toString('utf8') ?? '[]') as AlertmanagerAlert[];
    expect(sent.labels).toEqual({
      alertname: 'PredictedThresholdBreach',
      server: 'ppdb 01',
      metric: 'cpu_percent',
      severity: 'critical',
      profile: 'database',
      trigger: 'p50',
      model: 'TFT',
    });
    expect(sent.generatorURL).toBe('http://console:8501/servers/ppdb%2001');
    expect(Date.parse(sent.startsAt)).toBe(Date.parse(firstSeen));
    expect(hook?.headers['user-agent']).toBe('tft-inference');
    expect(hook?.headers['x-tft-signature']).toBe(
      `sha256=${createHmac('sha256', 'sécret')
        .update(hook?.body ?? Buffer.alloc(0))
        .digest('hex')}`,
    );
    expect((JSON.parse(hook?.body.toString('utf8') ?? '{}') as WebhookPayload).alerts[0].fingerprint).toBe(
      alertId('ppweb0001', 'cpu_percent'),
    );
  });
});
