import { createHmac } from 'node:crypto';
import { METRIC_SPECS } from '@tft/contracts';
import type { Alert } from '../alerts/alerts.service';

export const ALERTNAME = 'PredictedThresholdBreach';
export const WEBHOOK_RECEIVER = 'tft-inference';
/** What Alertmanager writes as the endsAt of a firing alert in its webhooks (Go's zero time). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
/** A firing alert stays active in Alertmanager this many resend intervals after each send, as Prometheus does it. */
export const ENDS_AT_RESEND_INTERVALS = 4;

/** One alert of Alertmanager's `POST /api/v2/alerts` body. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export interface AlertTimes {
  /** Wall clock (ms). */
  now: number;
  /** Wall-clock time it was first sent (ms): startsAt is never later, so it stays fixed while data time runs ahead. */
  firedAt: number;
  /** Wall-clock time it ended (ms), null while it is firing. */
  endedAt: number | null;
  resendIntervalMs: number;
  consoleUrl: string;
}

export type NotificationStatus = 'firing' | 'resolved';

/** One alert of an Alertmanager webhook notification. */
export interface WebhookAlert extends AlertmanagerAlert {
  status: NotificationStatus;
  fingerprint: string;
}

/** Alertmanager's webhook body, version 4. */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: NotificationStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** Alertmanager's identity of an alert is its label set: what makes two sends the same alert. */
export function alertLabels(alert: Alert, profile: string): Record<string, string> {
  return {
    alertname: ALERTNAME,
    server: alert.server,
    metric: alert.metric,
    severity: alert.severity,
    profile,
    trigger: alert.trigger,
    model: alert.model,
  };
}

export function alertAnnotations(alert: Alert): Record<string, string> {
  return {
    summary: alertSummary(alert),
    minutes_ahead: String(alert.minutes_ahead),
    predicted_value: String(alert.predicted_value),
    threshold: String(alert.threshold),
    expected_at: alert.expected_at,
    alert_id: alert.id,
    // the page says why: what moves the alerting metric's forecast most (GET /servers/{name}/drivers)
    ...(alert.driver ? { driver: alert.driver.label, driver_input: alert.driver.input, driver_change: String(alert.driver.change) } : {}),
  };
}

/** `cpu_percent p50 reaches 95 % in 25 min (predicted 96.4 %)`; the load average has no unit worth printing. */
export function alertSummary(alert: Alert): string {
  const percent = METRIC_SPECS[alert.metric].unit === '%';
  const value = (v: number) => `${Number(v.toFixed(percent ? 1 : 2))}${percent ? ' %' : ''}`;
  const when = alert.minutes_ahead > 0 ? `in ${Number(alert.minutes_ahead.toFixed(1))} min` : 'now';
  return `${alert.metric} ${alert.trigger} reaches ${value(alert.threshold)} ${when} (predicted ${value(alert.predicted_value)})`;
}

/** The console's page of the alert's server. */
export function generatorUrl(consoleUrl: string, server: string): string {
  return `${consoleUrl}/servers/${encodeURIComponent(server)}`;
}

/**
 * The alert as Alertmanager gets it: startsAt its first_seen (not after it was first sent), endsAt
 * ENDS_AT_RESEND_INTERVALS resends ahead while firing, so a daemon that dies lets its alerts expire; once
 * ended, the earlier of its data-time resolution and the wall-clock time it ended.
 */
export function alertmanagerAlert(alert: Alert, profile: string, times: AlertTimes): AlertmanagerAlert {
  const startsAt = Math.min(Date.parse(alert.first_seen), times.firedAt);
  const endsAt =
    times.endedAt === null
      ? times.now + ENDS_AT_RESEND_INTERVALS * times.resendIntervalMs
      : Math.max(startsAt, Math.min(alert.resolved_at === null ? Infinity : Date.parse(alert.resolved_at), times.endedAt));
  return {
    labels: alertLabels(alert, profile),
    annotations: alertAnnotations(alert),
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    generatorURL: generatorUrl(times.consoleUrl, alert.server),
  };
}

/** The alert in a webhook: fingerprint our alert id, so that it matches the console's GET /alerts/active ids. */
export function webhookAlert(alert: Alert, profile: string, times: AlertTimes): WebhookAlert {
  const am = alertmanagerAlert(alert, profile, times);
  const status = times.endedAt === null ? 'firing' : 'resolved';
  return { status, ...am, endsAt: status === 'firing' ? ZERO_TIME : am.endsAt, fingerprint: alert.id };
}

/** One notification of the alerts that changed to `status` in one pass, grouped by alertname as Alertmanager would. */
export function webhookPayload(status: NotificationStatus, alerts: readonly WebhookAlert[], externalURL: string): WebhookPayload {
  return {
    version: '4',
    groupKey: `{}:{alertname="${ALERTNAME}"}`,
    truncatedAlerts: 0,
    status,
    receiver: WEBHOOK_RECEIVER,
    groupLabels: { alertname: ALERTNAME },
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts: [...alerts],
  };
}

/** The pairs every map has with the same value. */
function common(maps: readonly Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const [first, ...rest] = maps;
  return Object.fromEntries(Object.entries(first).filter(([key, value]) => rest.every((m) => m[key] === value)));
}

/** `sha256=<hex>`: HMAC-SHA256 of the body's UTF-8 bytes, what receivers recompute to trust a webhook. */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
