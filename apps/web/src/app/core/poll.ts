import { DestroyRef, effect, inject, InjectionToken, PendingTasks, signal, untracked, type Signal } from '@angular/core';
import { asServiceError, type Service, type ServiceError } from './api';

/**
 * Period of the polled views (the generator's scenario status), and how soon a failed api call is
 * retried and a change feed the browser gave up on is reopened.
 */
export const POLL_INTERVAL_MS = new InjectionToken<number>('POLL_INTERVAL_MS', {
  providedIn: 'root',
  factory: () => 5000,
});

/** A value fetched from a data service, as the views read it. */
export interface LiveValue<T> {
  /** Latest successful answer; kept while later calls fail, so the view never blanks. */
  readonly value: Signal<T | undefined>;
  /** Error of the latest call; null once a call succeeds again. */
  readonly error: Signal<ServiceError | null>;
  /** True until the first answer (or error) for the current key. */
  readonly loading: Signal<boolean>;
  /** Wall time (ms) of the latest successful answer. */
  readonly updatedAt: Signal<number | null>;
}

export interface Poll<T> extends LiveValue<T> {
  /** Fetch now instead of waiting for the next period. */
  refresh(): void;
}

export interface PollOptions {
  service: Service;
  /** Restart (clearing the value) whenever this changes, e.g. the server name of a route. */
  key?: () => unknown;
  intervalMs?: number;
}

/**
 * Calls `load` now and then every POLL_INTERVAL_MS after the previous call settles (never two at
 * once), writing into signals in place so views update without re-rendering from scratch. Stops and
 * aborts the call in flight when the calling component is destroyed. Call in an injection context.
 */
export function poll<T>(load: (signal: AbortSignal) => Promise<T>, options: PollOptions): Poll<T> {
  const intervalMs = options.intervalMs ?? inject(POLL_INTERVAL_MS);
  // A call in flight keeps the app "unstable", so fixture.whenStable() waits for the answer.
  const pendingTasks = inject(PendingTasks);
  const value = signal<T | undefined>(undefined);
  const error = signal<ServiceError | null>(null);
  const loading = signal(true);
  const updatedAt = signal<number | null>(null);

  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The call whose answer counts; older ones are aborted and ignored. */
  let latest: AbortController | undefined;
  let destroyed = false;

  const run = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    latest?.abort();
    const controller = new AbortController();
    latest = controller;
    const done = pendingTasks.add();
    try {
      const result = await load(controller.signal);
      if (latest !== controller) return;
      value.set(result);
      error.set(null);
      updatedAt.set(Date.now());
    } catch (e) {
      if (latest !== controller) return;
      error.set(asServiceError(options.service, e));
    } finally {
      done();
      if (latest === controller && !destroyed) {
        latest = undefined;
        loading.set(false);
        timer = setTimeout(() => void run(), intervalMs);
      }
    }
  };

  if (options.key) {
    const key = options.key;
    effect(() => {
      key();
      untracked(() => {
        value.set(undefined);
        error.set(null);
        loading.set(true);
        void run();
      });
    });
  } else {
    void run();
  }

  inject(DestroyRef).onDestroy(() => {
    destroyed = true;
    clearTimeout(timer);
    latest?.abort();
    latest = undefined;
  });

  return {
    value: value.asReadonly(),
    error: error.asReadonly(),
    loading: loading.asReadonly(),
    updatedAt: updatedAt.asReadonly(),
    refresh: () => {
      if (!destroyed) void run();
    },
  };
}
