import { DestroyRef, effect, inject, InjectionToken, signal, untracked, type Signal } from '@angular/core';
import type { AlertEventDto, PassEventDto } from '@tft/api-client';
import { API_BASE_URL } from './api';
import { PAGE_VISIBLE } from './browser';
import { POLL_INTERVAL_MS } from './poll';

/** What the console uses of the browser's EventSource (specs substitute a fake). */
/**
 * Whether a pass changed or removed any of these servers. A pass over a large fleet lists at most 500
 * names (`changed_count` says how many changed), and then counts as touching every server.
 */
export function passTouches(event: PassEventDto, names: ReadonlySet<string>): boolean {
  if (event.changed_count > event.changed.length) return true;
  return event.changed.some((n) => names.has(n)) || event.removed.some((n) => names.has(n));
}

export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** EventSource.CLOSED: the browser gave up on the stream (e.g. the proxy answered 502 with JSON). */
const CLOSED = 2;

/** Opens a server-sent event stream. */
export const EVENT_SOURCE = new InjectionToken<(url: string) => EventSourceLike>('EVENT_SOURCE', {
  providedIn: 'root',
  factory: () => (url) => new EventSource(url),
});

/** `live`: events arrive; `connecting`: not yet; `down`: the stream failed; `paused`: closed while the tab is hidden. */
export type FeedState = 'connecting' | 'live' | 'down' | 'paused';

export interface ChangeFeedHandlers {
  pass?(event: PassEventDto): void;
  alert?(event: AlertEventDto): void;
  /** Events may have been missed (a `reset`, a reconnect, the stream going down): refetch everything. */
  resync(): void;
}

export interface ChangeFeed {
  readonly state: Signal<FeedState>;
}

/**
 * Follows the api's change feed (GET /events) for the calling component: dispatches `pass` and
 * `alert` events, and asks for a resync whenever events may have been missed. EventSource reconnects
 * by itself (with Last-Event-ID) after a network error; after an answer that is no event stream it
 * gives up, and this opens a new one every POLL_INTERVAL_MS. Closed while the tab is hidden and when
 * the component is destroyed. Call in an injection context.
 */
export function changeFeed(handlers: ChangeFeedHandlers): ChangeFeed {
  const open = inject(EVENT_SOURCE);
  const url = `${inject(API_BASE_URL)}/events`;
  const visible = inject(PAGE_VISIBLE);
  const retryMs = inject(POLL_INTERVAL_MS);
  const state = signal<FeedState>('connecting');

  let source: EventSourceLike | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** Once a stream has been live, every later open may follow missed events. */
  let wasLive = false;

  const data = <T>(event: MessageEvent<string>): T | null => {
    try {
      return JSON.parse(event.data) as T;
    } catch {
      return null;
    }
  };

  const connect = (): void => {
    clearTimeout(retry);
    const es = open(url);
    source = es;
    es.onopen = () => {
      state.set('live');
      if (wasLive) handlers.resync();
      wasLive = true;
    };
    es.onerror = () => {
      const before = state();
      state.set('down');
      if (es.readyState === CLOSED) {
        es.close();
        if (source === es) source = null;
        retry = setTimeout(connect, retryMs);
      }
      // fetch now: shows whether the api itself is down, and the views poll until the feed is back
      if (before !== 'down') handlers.resync();
    };
    es.addEventListener('pass', (event) => {
      const pass = data<PassEventDto>(event);
      if (pass) handlers.pass?.(pass);
    });
    es.addEventListener('alert', (event) => {
      const alert = data<AlertEventDto>(event);
      if (alert) handlers.alert?.(alert);
    });
    es.addEventListener('reset', () => handlers.resync());
  };

  const disconnect = (): void => {
    clearTimeout(retry);
    source?.close();
    source = null;
  };

  effect(() => {
    if (visible()) {
      untracked(() => {
        if (!source) connect();
      });
    } else {
      disconnect();
      state.set('paused');
    }
  });
  inject(DestroyRef).onDestroy(disconnect);

  return { state: state.asReadonly() };
}
