import type { Counter } from 'prom-client';
import type { AlertTransport, DeliveryTarget } from './alert-transport';

export type DeliveryKind = 'alertmanager' | 'webhook';
export type DeliveryCounter = Counter<'target' | 'kind' | 'outcome'>;

export interface OutgoingRequest {
  /** Where it goes: the Alertmanager alerts endpoint or the webhook URL. */
  url: string;
  body: string;
  headers: Readonly<Record<string, string>>;
}

/** What a channel sends: read when a send goes out, so a slow or failing target always gets the latest. */
export interface Outbox {
  /** The request to send now, or null when there is nothing to send. */
  next(): OutgoingRequest | null;
  /** The request returned by next() was accepted. */
  delivered(request: OutgoingRequest): void;
  /** Work left after a delivery that needs no new wake(), such as queued notifications. */
  hasMore(): boolean;
}

export interface ChannelOptions {
  kind: DeliveryKind;
  target: DeliveryTarget;
  transport: AlertTransport;
  counter: DeliveryCounter;
  logger: { warn(message: string): void; log(message: string): void };
  initialBackoffMs: number;
  maxBackoffMs: number;
  requestTimeoutMs: number;
  /** Send again this long after a delivery even without a change (Alertmanager's resend), or null. */
  resendAfterMs: number | null;
}

export interface ChannelStatus {
  target: string;
  kind: DeliveryKind;
  /** Attempts failed since the last delivery: 0 while the target is healthy. */
  failedAttempts: number;
}

/**
 * Sends one target its outbox, one request at a time: changes that arrive while a request is out are
 * sent together when it returns, and failures are retried with exponential backoff, so a slow or dead
 * target neither piles up requests nor delays the forecast passes that wake it.
 */
export class DeliveryChannel {
  private backingOff = false;
  private changed = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private failedAttempts = 0;
  private inFlight: AbortController | null = null;
  private readonly name: string;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: ChannelOptions,
  ) {
    this.name = `${options.kind === 'alertmanager' ? 'Alertmanager' : 'webhook'} ${options.target.display}`;
    // zero series from the start, so that rate() sees the first failure
    for (const outcome of ['ok', 'failed']) options.counter.inc(this.labels(outcome), 0);
  }

  get status(): ChannelStatus {
    return { target: this.options.target.display, kind: this.options.kind, failedAttempts: this.failedAttempts };
  }

  /** Something to send changed: send now, or as soon as the request out returns or the backoff ends. */
  wake(): void {
    this.changed = true;
    if (this.inFlight !== null || this.backingOff || this.closed) return;
    this.clearTimer();
    void this.send();
  }

  /** Counts a notification the outbox gave up on. */
  countDropped(): void {
    this.options.counter.inc(this.labels('failed'));
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
    this.inFlight?.abort();
  }

  private async send(): Promise<void> {
    this.changed = false;
    let request: OutgoingRequest | null = null;
    let failure: string | null = null;
    const controller = new AbortController();
    const { requestTimeoutMs, target } = this.options;
    const timeout = setTimeout(
      () => controller.abort(new DOMException(`no answer within ${requestTimeoutMs / 1000} s`, 'TimeoutError')),
      requestTimeoutMs,
    );
    this.inFlight = controller;
    try {
      request = this.outbox.next();
      if (request === null) return;
      const headers = target.authorization === undefined ? request.headers : { ...request.headers, authorization: target.authorization };
      const res = await this.options.transport.post(request.url, request.body, headers, controller.signal);
      if (res.status < 200 || res.status > 299) failure = `HTTP ${res.status}${res.body === '' ? '' : `: ${res.body}`}`;
    } catch (err) {
      failure = describe(err);
    } finally {
      clearTimeout(timeout);
      this.inFlight = null;
    }
    if (this.closed || request === null) return;
    if (failure === null) this.succeeded(request);
    else this.failed(failure);
  }

  private succeeded(request: OutgoingRequest): void {
    this.options.counter.inc(this.labels('ok'));
    this.outbox.delivered(request);
    if (this.failedAttempts > 0) {
      this.options.logger.log(`${this.name} delivered again after ${this.failedAttempts} failed attempt(s)`);
      this.failedAttempts = 0;
    }
    if (this.changed || this.outbox.hasMore()) {
      void this.send();
      return;
    }
    const resendAfterMs = this.options.resendAfterMs;
    if (resendAfterMs !== null) this.schedule(resendAfterMs, () => this.wake());
  }

  private failed(failure: string): void {
    this.options.counter.inc(this.labels('failed'));
    this.failedAttempts++;
    if (this.failedAttempts === 1) this.options.logger.warn(`${this.name} failing (${failure}); retrying with backoff`);
    const exponent = Math.min(this.failedAttempts - 1, 30);
    this.backingOff = true;
    this.schedule(Math.min(this.options.initialBackoffMs * 2 ** exponent, this.options.maxBackoffMs), () => {
      this.backingOff = false;
      void this.send();
    });
  }

  private schedule(ms: number, run: () => void): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      run();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private labels(outcome: string): Record<'target' | 'kind' | 'outcome', string> {
    return { target: this.options.target.display, kind: this.options.kind, outcome };
  }
}

/** fetch's errors say "fetch failed" and keep the reason (ECONNREFUSED, a DNS failure) in their cause. */
function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return err.message;
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
