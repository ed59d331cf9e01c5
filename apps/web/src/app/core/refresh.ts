import { DestroyRef, effect, inject, InjectionToken, PendingTasks, signal, untracked } from '@angular/core';
import { asServiceError, type Service, type ServiceError } from './api';
import { PAGE_VISIBLE, TRANSFER_SIZES } from './browser';
import { POLL_INTERVAL_MS, type LiveValue } from './poll';

/**
 * How often the live views may refetch. The change feed says when something changed; these bounds
 * keep a large fleet from turning every forecast pass into a full download.
 */
export interface RefreshPolicy {
  /** Least time between two fetches of one resource. */
  minGapMs: number;
  /** Gap per 10,000 servers for the fleet-sized resources: a bigger fleet refetches less often. */
  gapPer10kServersMs: number;
  /** Byte budget of the fleet summary, per minute (the other overview resources get `sideBytesPerMinute` each). */
  summaryBytesPerMinute: number;
  sideBytesPerMinute: number;
}

export const REFRESH_POLICY = new InjectionToken<RefreshPolicy>('REFRESH_POLICY', {
  providedIn: 'root',
  // Summary, alerts and heatmap together at most 3 MiB a minute, compressed or not, leaving room
  // under 5 MB for the change feed (whose pass events list every re-forecast server).
  factory: () => ({
    minGapMs: 5_000,
    gapPer10kServersMs: 30_000,
    summaryBytesPerMinute: 2.5 * 2 ** 20,
    sideBytesPerMinute: 2 ** 18,
  }),
});

/** Least gap between two refetches of a resource that grows with the fleet. */
export function fleetGapMs(policy: RefreshPolicy, totalServers: number): number {
  return Math.max(policy.minGapMs, (policy.gapPer10kServersMs * totalServers) / 10_000);
}

/**
 * The wait after a fetch that moved `bytes`: the gap, or longer when the budget needs it (an
 * uncompressed body costs more than its gap allows).
 */
export function budgetGapMs(minGapMs: number, bytes: number | null, bytesPerMinute: number): number {
  return Math.max(minGapMs, ((bytes ?? 0) / bytesPerMinute) * 60_000);
}

export interface Refresher<T> extends LiveValue<T> {
  /** Asks for a fetch: at once if the throttle allows, else when it does; many asks make one fetch. */
  request(): void;
}

export interface RefresherOptions {
  service: Service;
  /** Restart (clearing the value, fetching at once) whenever this changes, e.g. a route's server name. */
  key?: () => unknown;
  /** Least time (ms) from the end of one fetch to the start of the next; read when scheduling. */
  minGapMs: () => number;
  /** After a fetch that moved B bytes, the next waits at least B / bytesPerMinute minutes. */
  budget?: { url: string; bytesPerMinute: number };
  /** While true, fetch again one gap after each answer without being asked (the change feed is down). */
  pollWhile?: () => boolean;
  /** Wait for the first request() instead of fetching at once. */
  lazy?: boolean;
}

/**
 * A resource fetched when asked (a change-feed event), never more often than its gap and byte budget
 * allow, never two calls at once, and not while the tab is hidden (a pending ask runs when it shows
 * again). A failed call is retried every POLL_INTERVAL_MS. Fetches now (when `key` first runs; at
 * the first request() if `lazy`), writes into signals in place, and stops when the calling
 * component is destroyed. Call in an injection context.
 */
export function refresher<T>(load: (signal: AbortSignal) => Promise<T>, options: RefresherOptions): Refresher<T> {
  const retryMs = inject(POLL_INTERVAL_MS);
  const visible = inject(PAGE_VISIBLE);
  const transferred = inject(TRANSFER_SIZES);
  // A call in flight keeps the app "unstable", so fixture.whenStable() waits for the answer.
  const pendingTasks = inject(PendingTasks);
  const value = signal<T | undefined>(undefined);
  const error = signal<ServiceError | null>(null);
  const loading = signal(true);
  const updatedAt = signal<number | null>(null);

  // with a key, its effect makes the first ask
  let asked = !options.key && !options.lazy;
  let inFlight: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Wall time the last call settled; null before the first (for the current key). */
  let settledAt: number | null = null;
  let failed = false;
  let destroyed = false;

  const earliestStart = (): number => {
    if (settledAt === null) return 0;
    if (failed) return settledAt + retryMs;
    const gap = options.minGapMs();
    const budget = options.budget;
    return settledAt + (budget ? budgetGapMs(gap, transferred(budget.url), budget.bytesPerMinute) : gap);
  };

  const schedule = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (destroyed || inFlight || !asked || !untracked(visible)) return;
    const wait = earliestStart() - Date.now();
    if (wait > 0) timer = setTimeout(schedule, wait);
    else void run();
  };

  const run = async (): Promise<void> => {
    asked = false;
    const controller = new AbortController();
    inFlight = controller;
    const done = pendingTasks.add();
    try {
      const result = await load(controller.signal);
      if (inFlight !== controller) return;
      value.set(result);
      error.set(null);
      updatedAt.set(Date.now());
      failed = false;
    } catch (e) {
      if (inFlight !== controller) return;
      error.set(asServiceError(options.service, e));
      failed = true;
      asked = true;
    } finally {
      done();
      if (inFlight === controller) {
        inFlight = undefined;
        settledAt = Date.now();
        loading.set(false);
        if (options.pollWhile?.()) asked = true;
        schedule();
      }
    }
  };

  const restart = (): void => {
    inFlight?.abort();
    inFlight = undefined;
    value.set(undefined);
    error.set(null);
    loading.set(true);
    settledAt = null;
    failed = false;
    asked = true;
    schedule();
  };

  if (options.key) {
    const key = options.key;
    effect(() => {
      key();
      untracked(restart);
    });
  } else {
    schedule();
  }
  // A hidden tab defers what was asked; showing it again runs that.
  effect(() => {
    if (visible()) untracked(schedule);
  });

  inject(DestroyRef).onDestroy(() => {
    destroyed = true;
    clearTimeout(timer);
    inFlight?.abort();
    inFlight = undefined;
  });

  return {
    value: value.asReadonly(),
    error: error.asReadonly(),
    loading: loading.asReadonly(),
    updatedAt: updatedAt.asReadonly(),
    request: () => {
      asked = true;
      schedule();
    },
  };
}
