import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { CLOCK, type Clock } from '@tft/contracts';
import { Counter, type Registry } from 'prom-client';
import type { Alert, AlertTransitions } from '../snapshot/alert';
import { ApiEvents } from '../snapshot/api-events';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { METRICS_REGISTRY } from '../metrics/metrics-registry';
import { WindowService } from '../window/window.service';
import {
  alertLabels,
  alertmanagerAlert,
  signature,
  webhookAlert,
  webhookPayload,
  type AlertTimes,
  type NotificationStatus,
  type WebhookAlert,
} from './alert-payloads';
import { ALERT_TRANSPORT, deliveryTarget, type AlertTransport } from './alert-transport';
import { DeliveryChannel, type ChannelStatus, type DeliveryCounter, type OutgoingRequest } from './delivery-channel';

/** Prometheus keeps re-sending a resolved alert this long, so an Alertmanager that missed the first one learns of it. */
export const RESOLVED_RESEND_MS = 15 * 60_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const INITIAL_BACKOFF_MS = 1000;
/**
 * Cluster mode: the longest a publish's notifications wait for its alert state to reach the other
 * replicas. Past it (NATS away) a page goes anyway: a late page is worse than a rare second one.
 */
export const SHARE_WAIT_MS = 30_000;
/** Notifications kept per webhook while it is down; the oldest go first. */
export const WEBHOOK_QUEUE_LIMIT = 500;

const HEADERS = { 'content-type': 'application/json', 'user-agent': 'tft-inference' };

/** Where alerts come from: the forecast snapshots ('forecast.snapshot' on ApiEvents), each with its alerts' transitions. */
export type AlertSource = Pick<ApiEvents, 'on'>;
/** Where servers' profiles come from: WindowService. */
export interface ProfileSource {
  get(server: string): { profile: string | null } | undefined;
}

/**
 * Whether a webhook hears of an alert at `severity`, having been told `notified` (its highest so far):
 * when it first fires and when it rises. A forecast that hovers at the critical threshold flips an
 * alert between warning and critical from pass to pass; paging each flip back down would page an
 * on-call engineer again and again for one problem (Alertmanager still sees every label set).
 */
const escalates = (severity: Alert['severity'], notified: Alert['severity'] | null): boolean =>
  notified === null || (severity === 'critical' && notified === 'warning');

/** One Alertmanager alert (one label set) as it is being sent. */
interface SentAlert {
  alert: Alert;
  profile: string;
  /** Wall-clock time (ms) the alert was first sent. */
  firedAt: number;
  /** Wall-clock time (ms) it ended; null while firing. */
  endedAt: number | null;
  /** The highest severity the webhooks were told of: only a rise above it is notified again. */
  notifiedSeverity: Alert['severity'] | null;
}

/** What a replica that takes an alert over needs of its delivery: when it was first sent, and the highest severity notified. */
export interface SentState {
  firedAt: number;
  severity: Alert['severity'] | null;
}

/**
 * Pushes the alerts of every forecast pass to Alertmanager (API v2) and to webhooks. The publish
 * listener only updates the state below and wakes the channels; each target has its own channel that
 * sends asynchronously, so no target can slow a pass. Alertmanager gets every alert, firing and
 * recently resolved, on each change and every resend interval, as Prometheus sends it; webhooks get one
 * notification per pass and status, on fire and on resolve.
 */
@Injectable()
export class AlertDeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger('AlertDelivery');
  /** Keyed by the label set: Alertmanager's identity of an alert. */
  private readonly sent = new Map<string, SentAlert>();
  /** Alert id to the label-set key it is firing under. */
  private readonly firingKeys = new Map<string, string>();
  private readonly alertmanagers: DeliveryChannel[] = [];
  private readonly webhooks: { channel: DeliveryChannel; url: string; queue: OutgoingRequest[] }[] = [];
  private readonly resendIntervalMs: number;
  /** Whether any Alertmanager or webhook is configured: without one nothing is kept. */
  private readonly delivering: boolean;
  private closed = false;
  /**
   * Cluster mode: a publish's notifications go once its alert state is shared (shared()), so that a
   * replica killed right after paging leaves its successor the state that says so, not a second page.
   */
  private readonly waitsForSharing: boolean;
  /** Publishes with notifications so far; a notification waits for its publish's alert state to be shared. */
  private generation = 0;
  private held: { generation: number; heldAt: number; body: string; headers: Record<string, string> }[] = [];
  private shareTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(ALERT_TRANSPORT) transport: AlertTransport,
    @Inject(ApiEvents) alerts: AlertSource,
    @Inject(WindowService) private readonly profiles: ProfileSource,
  ) {
    this.resendIntervalMs = config.alertResendIntervalSeconds * 1000;
    this.waitsForSharing = config.natsUrl !== undefined;
    this.delivering = config.alertmanagerUrls.length > 0 || config.alertWebhookUrls.length > 0;
    if (!this.delivering) return;
    const counter: DeliveryCounter = new Counter({
      name: 'tft_alert_deliveries_total',
      help: 'Requests sent to Alertmanagers and webhooks, by outcome (dropped webhook notifications count as failed)',
      labelNames: ['target', 'kind', 'outcome'] as const,
      registers: [registry],
    });
    const common = {
      transport,
      counter,
      logger: this.logger,
      initialBackoffMs: INITIAL_BACKOFF_MS,
      maxBackoffMs: this.resendIntervalMs,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    };
    for (const base of config.alertmanagerUrls) {
      const target = deliveryTarget(base);
      const url = `${target.url}/api/v2/alerts`;
      const outbox = {
        next: () => this.alertmanagerRequest(url),
        delivered: () => undefined,
        hasMore: () => false,
      };
      this.alertmanagers.push(
        new DeliveryChannel(outbox, { ...common, kind: 'alertmanager', target, resendAfterMs: this.resendIntervalMs }),
      );
    }
    for (const configured of config.alertWebhookUrls) {
      const target = deliveryTarget(configured);
      const queue: OutgoingRequest[] = [];
      const outbox = {
        next: () => queue[0] ?? null,
        delivered: (request: OutgoingRequest) => {
          const index = queue.indexOf(request);
          if (index >= 0) queue.splice(index, 1);
        },
        hasMore: () => queue.length > 0,
      };
      const channel = new DeliveryChannel(outbox, { ...common, kind: 'webhook', target, resendAfterMs: null });
      this.webhooks.push({ channel, url: target.url, queue });
    }
    alerts.on('forecast.snapshot', (snapshot) => this.publish(snapshot.alerts));
  }

  /** Each target's health, for status pages. */
  targets(): ChannelStatus[] {
    return [...this.alertmanagers, ...this.webhooks.map((w) => w.channel)].map((c) => c.status);
  }

  onModuleDestroy(): void {
    this.closed = true;
    if (this.shareTimer) clearTimeout(this.shareTimer);
    for (const channel of [...this.alertmanagers, ...this.webhooks.map((w) => w.channel)]) channel.close();
  }

  /** How an alert was sent so far, for the replica that takes its server over; undefined if never. */
  sentState(id: string): SentState | undefined {
    const key = this.firingKeys.get(id);
    const entry = key === undefined ? undefined : this.sent.get(key);
    return entry && { firedAt: entry.firedAt, severity: entry.notifiedSeverity };
  }

  /**
   * An alert another replica sent goes on from here (cluster mode, a partition taken over), from the
   * moment it is taken over rather than from the next pass that lists it (a pass under way may publish
   * first, and a pass may resolve it at once): the same startsAt to Alertmanager, its resolve sent
   * from here, and the webhooks notified again only when it rises above what they were told (`sent`
   * undefined: never notified, so notified at its next publish).
   */
  continueFrom(alert: Alert, sent: SentState | undefined): void {
    if (!this.delivering) return;
    const profile = this.profiles.get(alert.server)?.profile ?? 'unknown';
    const key = JSON.stringify(alertLabels(alert, profile));
    const before = this.firingKeys.get(alert.id);
    if (before !== undefined && before !== key) this.sent.delete(before);
    this.sent.set(key, {
      alert,
      profile,
      firedAt: sent?.firedAt ?? this.clock.now(),
      endedAt: null,
      notifiedSeverity: sent?.severity ?? null,
    });
    this.firingKeys.set(alert.id, key);
    for (const channel of this.alertmanagers) channel.wake();
  }

  /**
   * Keeps Alertmanager's alerts (one per label set) in step with a snapshot's firing alerts, and ends
   * those its transitions say resolved or dropped.
   */
  private publish({ firing, resolved, handedOver, dropped }: AlertTransitions): void {
    if (this.closed) return;
    const now = this.clock.now();
    const fired: SentAlert[] = [];
    const ended: SentAlert[] = [];
    let changed = false;
    // alerts another replica goes on with: no longer sent from here, and never resolved from here
    for (const id of handedOver) {
      const key = this.firingKeys.get(id);
      if (key === undefined) continue;
      this.firingKeys.delete(id);
      this.sent.delete(key);
    }
    // alerts of retired servers end without a resolve, rather than firing on forever
    for (const alert of [...resolved, ...dropped]) {
      const entry = this.end(alert.id, now);
      if (!entry) continue;
      entry.alert = alert;
      if (entry.notifiedSeverity !== null) ended.push(entry); // taken over before anyone paged it: no resolve either
      changed = true;
    }
    for (const alert of firing) {
      const previousKey = this.firingKeys.get(alert.id);
      const previous = previousKey === undefined ? undefined : this.sent.get(previousKey);
      const profile = this.profiles.get(alert.server)?.profile ?? previous?.profile ?? 'unknown';
      const key = JSON.stringify(alertLabels(alert, profile));
      if (previous && previousKey === key) {
        previous.alert = alert;
        if (escalates(alert.severity, previous.notifiedSeverity)) {
          // taken over before its previous owner paged it
          previous.notifiedSeverity = alert.severity;
          fired.push(previous);
          changed = true;
        }
        continue;
      }
      // A new label set is a new alert to Alertmanager: the old one ends (for webhooks, the same alert changed).
      if (previous) previous.endedAt = now;
      const entry: SentAlert = {
        alert,
        profile,
        firedAt: previous?.firedAt ?? now,
        endedAt: null,
        notifiedSeverity: previous?.notifiedSeverity ?? null,
      };
      this.sent.set(key, entry);
      this.firingKeys.set(alert.id, key);
      if (escalates(alert.severity, entry.notifiedSeverity)) {
        entry.notifiedSeverity = alert.severity;
        fired.push(entry);
      }
      changed = true;
    }
    if (!changed) return;
    this.generation++;
    this.notifyWebhooks('resolved', ended, now);
    this.notifyWebhooks('firing', fired, now);
    for (const channel of this.alertmanagers) channel.wake();
  }

  /** The publish whose alert state the caller is about to share (cluster mode): pass it to shared() once it is. */
  shareToken(): number {
    return this.generation;
  }

  /** Cluster mode: the alert state of publishes up to `token` is in the forecasts bucket; their webhook notifications go. */
  shared(token: number): void {
    this.release((h) => h.generation <= token);
  }

  private release(due: (h: { generation: number; heldAt: number }) => boolean): void {
    const going = this.held.filter(due);
    if (!going.length) return;
    this.held = this.held.filter((h) => !due(h));
    for (const { body, headers } of going) this.enqueue(body, headers);
    if (this.shareTimer && !this.held.length) {
      clearTimeout(this.shareTimer);
      this.shareTimer = null;
    }
  }

  private end(id: string, now: number): SentAlert | undefined {
    const key = this.firingKeys.get(id);
    if (key === undefined) return undefined;
    this.firingKeys.delete(id);
    const entry = this.sent.get(key);
    if (entry) entry.endedAt = now;
    return entry;
  }

  private times(entry: SentAlert, now: number): AlertTimes {
    return {
      now,
      firedAt: entry.firedAt,
      endedAt: entry.endedAt,
      resendIntervalMs: this.resendIntervalMs,
      consoleUrl: this.config.consoleUrl,
    };
  }

  /** Every firing alert and those ended within RESOLVED_RESEND_MS, with times as of now. */
  private alertmanagerRequest(url: string): OutgoingRequest | null {
    const now = this.clock.now();
    const alerts = [];
    for (const [key, entry] of this.sent) {
      if (entry.endedAt !== null && now - entry.endedAt > RESOLVED_RESEND_MS) {
        this.sent.delete(key);
        continue;
      }
      alerts.push(alertmanagerAlert(entry.alert, entry.profile, this.times(entry, now)));
    }
    return alerts.length === 0 ? null : { url, body: JSON.stringify(alerts), headers: HEADERS };
  }

  private notifyWebhooks(status: NotificationStatus, entries: readonly SentAlert[], now: number): void {
    if (entries.length === 0 || this.webhooks.length === 0) return;
    const alerts: WebhookAlert[] = entries.map((e) => webhookAlert(e.alert, e.profile, this.times(e, now)));
    const body = JSON.stringify(webhookPayload(status, alerts, this.config.consoleUrl));
    const secret = this.config.alertWebhookSecret;
    const headers = secret === undefined ? HEADERS : { ...HEADERS, 'x-tft-signature': signature(body, secret) };
    if (!this.waitsForSharing) return this.enqueue(body, headers);
    this.held.push({ generation: this.generation, heldAt: now, body, headers });
    this.shareTimer ??= setTimeout(() => this.releaseOverdue(), SHARE_WAIT_MS);
  }

  /** Never held for long: a publish whose state is not shared (the bucket away) goes anyway. */
  private releaseOverdue(): void {
    this.shareTimer = null;
    const overdue = (h: { heldAt: number }) => this.clock.now() - h.heldAt >= SHARE_WAIT_MS;
    const late = this.held.filter(overdue).length;
    if (late)
      this.logger.warn(
        `${late} webhook notifications sent before their alert state reached NATS (waited ${SHARE_WAIT_MS / 1000} s): a replica taking their servers over may notify them again`,
      );
    this.release(overdue);
    if (this.held.length) this.shareTimer = setTimeout(() => this.releaseOverdue(), SHARE_WAIT_MS);
  }

  private enqueue(body: string, headers: Record<string, string>): void {
    for (const { channel, url, queue } of this.webhooks) {
      queue.push({ url, body, headers });
      while (queue.length > WEBHOOK_QUEUE_LIMIT) {
        queue.shift();
        channel.countDropped();
      }
      channel.wake();
    }
  }
}
