import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alertId, type Alert } from '../alerts/alerts.service';
import { alertmanagerAlert, alertSummary, signature, webhookAlert, webhookPayload, ZERO_TIME, type AlertTimes } from './alert-payloads';

const firing = (over: Partial<Alert> = {}): Alert => ({
  id: alertId('ppweb0001', 'cpu_percent'),
  server: 'ppweb0001',
  metric: 'cpu_percent',
  severity: 'critical',
  predicted_value: 96.43,
  threshold: 95,
  minutes_ahead: 25,
  trigger: 'p50',
  expected_at: '2026-01-05T12:35:00Z',
  model: 'TFT',
  state: 'firing',
  first_seen: '2026-01-05T12:00:00Z',
  last_seen: '2026-01-05T12:10:00Z',
  resolved_at: null,
  ...over,
});

const now = Date.parse('2026-01-05T12:10:30Z');
const times = (over: Partial<AlertTimes> = {}): AlertTimes => ({
  now,
  firedAt: now,
  endedAt: null,
  resendIntervalMs: 60_000,
  consoleUrl: 'http://console:8501',
  ...over,
});

describe('alertmanagerAlert', () => {
  it('labels the alert by what identifies it and annotates it with strings', () => {
    expect(alertmanagerAlert(firing({ server: 'pp web/01' }), 'web_api', times())).toEqual({
      labels: {
        alertname: 'PredictedThresholdBreach',
        server: 'pp web/01',
        metric: 'cpu_percent',
        severity: 'critical',
        profile: 'web_api',
        trigger: 'p50',
        model: 'TFT',
      },
      annotations: {
        summary: 'cpu_percent p50 reaches 95 % in 25 min (predicted 96.4 %)',
        minutes_ahead: '25',
        predicted_value: '96.43',
        threshold: '95',
        expected_at: '2026-01-05T12:35:00Z',
        alert_id: alertId('ppweb0001', 'cpu_percent'),
      },
      startsAt: '2026-01-05T12:00:00.000Z',
      endsAt: '2026-01-05T12:14:30.000Z',
      generatorURL: 'http://console:8501/servers/pp%20web%2F01',
    });
  });

  it('says what drives the alerting metric, when the pass named it', () => {
    const driver = { input: 'cpu_percent.recent', label: 'cpu_percent over the last hour', change: 31.24 };
    expect(alertmanagerAlert(firing({ driver }), 'web_api', times()).annotations).toMatchObject({
      driver: 'cpu_percent over the last hour',
      driver_input: 'cpu_percent.recent',
      driver_change: '31.24',
    });
    expect(webhookAlert(firing({ driver }), 'web_api', times()).annotations['driver']).toBe('cpu_percent over the last hour');
    expect(alertmanagerAlert(firing({ driver: null }), 'web_api', times()).annotations).not.toHaveProperty('driver');
  });

  it('words the summary per metric and trigger: no percent sign on the load average', () => {
    expect(alertSummary(firing({ metric: 'load_average', trigger: 'p90', threshold: 8, predicted_value: 8.314, minutes_ahead: 10 }))).toBe(
      'load_average p90 reaches 8 in 10 min (predicted 8.31)',
    );
    expect(
      alertSummary(firing({ metric: 'disk_percent', trigger: 'trend', threshold: 90, predicted_value: 91.06, minutes_ahead: 2.5 })),
    ).toBe('disk_percent trend reaches 90 % in 2.5 min (predicted 91.1 %)');
  });

  it('never starts after it was first sent, when data time runs ahead of the wall clock', () => {
    const ahead = firing({ first_seen: '2026-01-05T14:00:00Z' });
    const firedAt = Date.parse('2026-01-05T12:05:00Z');
    const am = alertmanagerAlert(ahead, 'web_api', times({ firedAt, now: firedAt + 120_000 }));
    expect(am.startsAt).toBe('2026-01-05T12:05:00.000Z');
    expect(am.endsAt).toBe('2026-01-05T12:11:00.000Z'); // 2 min later + 4 x 1 min
  });

  it('ends at its resolution, or at the wall clock when data time is ahead, and never before it started', () => {
    const endedAt = Date.parse('2026-01-05T12:20:00Z');
    const laterResend = times({ now: endedAt + 600_000, endedAt });
    expect(alertmanagerAlert(firing({ state: 'resolved', resolved_at: '2026-01-05T12:18:00Z' }), 'x', laterResend).endsAt).toBe(
      '2026-01-05T12:18:00.000Z',
    );
    expect(alertmanagerAlert(firing({ state: 'resolved', resolved_at: '2026-01-05T13:00:00Z' }), 'x', laterResend).endsAt).toBe(
      '2026-01-05T12:20:00.000Z',
    );
    expect(alertmanagerAlert(firing(), 'x', laterResend).endsAt).toBe('2026-01-05T12:20:00.000Z'); // ended without a resolve
    const skewed = times({ firedAt: Date.parse('2026-01-05T12:40:00Z'), endedAt: Date.parse('2026-01-05T12:45:00Z') });
    const am = alertmanagerAlert(firing({ first_seen: '2026-01-05T12:35:00Z', resolved_at: '2026-01-05T12:20:00Z' }), 'x', skewed);
    expect([am.startsAt, am.endsAt]).toEqual(['2026-01-05T12:35:00.000Z', '2026-01-05T12:35:00.000Z']);
  });
});

describe('webhookPayload', () => {
  it('is an Alertmanager v4 notification whose fingerprints are our alert ids', () => {
    const cpu = webhookAlert(firing(), 'web_api', times());
    const memory = webhookAlert(
      firing({ id: alertId('ppweb0001', 'memory_percent'), metric: 'memory_percent', severity: 'warning', threshold: 85 }),
      'web_api',
      times(),
    );
    const payload = webhookPayload('firing', [cpu, memory], 'http://console:8501');
    expect(payload).toMatchObject({
      version: '4',
      groupKey: '{}:{alertname="PredictedThresholdBreach"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'tft-inference',
      groupLabels: { alertname: 'PredictedThresholdBreach' },
      commonLabels: { alertname: 'PredictedThresholdBreach', server: 'ppweb0001', profile: 'web_api', trigger: 'p50', model: 'TFT' },
      commonAnnotations: { minutes_ahead: '25', predicted_value: '96.43', expected_at: '2026-01-05T12:35:00Z' },
      externalURL: 'http://console:8501',
    });
    expect(payload.alerts.map((a) => [a.status, a.fingerprint, a.labels.severity, a.startsAt, a.endsAt])).toEqual([
      ['firing', alertId('ppweb0001', 'cpu_percent'), 'critical', '2026-01-05T12:00:00.000Z', ZERO_TIME],
      ['firing', alertId('ppweb0001', 'memory_percent'), 'warning', '2026-01-05T12:00:00.000Z', ZERO_TIME],
    ]);
    expect(payload.alerts[0].generatorURL).toBe('http://console:8501/servers/ppweb0001');
  });

  it('gives resolved alerts their end', () => {
    const endedAt = Date.parse('2026-01-05T12:30:00Z');
    const resolved = webhookAlert(
      firing({ state: 'resolved', resolved_at: '2026-01-05T12:25:00Z' }),
      'web_api',
      times({ now: endedAt, endedAt }),
    );
    const payload = webhookPayload('resolved', [resolved], 'http://console:8501');
    expect(payload.status).toBe('resolved');
    expect(payload.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2026-01-05T12:25:00.000Z' });
    expect(payload.commonLabels.severity).toBe('critical');
  });
});

describe('signature', () => {
  it('is the hex HMAC-SHA256 of the body bytes, non-ASCII included', () => {
    const body = JSON.stringify({ server: 'pp-wébserver', n: 1 });
    const expected = createHmac('sha256', 's3cret').update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signature(body, 's3cret')).toBe(`sha256=${expected}`);
    expect(signature(body, 'other')).not.toBe(`sha256=${expected}`);
    // RFC 4231 test case 2
    expect(signature('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
