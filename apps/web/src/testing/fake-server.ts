// A fetch that answers from a route table, an EventSource the spec drives, and an ECharts stand-in
// that records what it is given: component specs run the real generated client, the real change-feed
// handling and the real ngx-echarts directive against them.
import { signal, type Provider, type WritableSignal } from '@angular/core';
import { provideEchartsCore } from 'ngx-echarts';
import { API_BASE_URL, FETCH, GENERATOR_BASE_URL } from '../app/core/api';
import { PAGE_VISIBLE, TRANSFER_SIZES } from '../app/core/browser';
import { EVENT_SOURCE, type EventSourceLike } from '../app/core/change-feed';
import { POLL_INTERVAL_MS } from '../app/core/poll';
import { REFRESH_POLICY, type RefreshPolicy } from '../app/core/refresh';
import { THRESHOLDS } from './fixtures';

export type Handler = (request: Request) => Response | Promise<Response>;

export interface FakeServer {
  fetch: typeof fetch;
  /** `METHOD /path` (query left out) -> handler; replace entries to change answers between refreshes. */
  routes: Map<string, Handler>;
  requests: { method: string; path: string; search: string; body: string }[];
  /** How many requests went to `METHOD /path`. */
  count(route: string): number;
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** What the console server (apps/web-server) answers when a daemon is down. */
export function unreachable(service: 'api' | 'generator'): Response {
  return json(
    {
      error: 'upstream_unreachable',
      service,
      target: 'http://127.0.0.1:8000',
      message: `The ${service} at http://127.0.0.1:8000 is unreachable (ECONNREFUSED).`,
    },
    502,
  );
}

export function fakeServer(routes: Record<string, Handler> = {}): FakeServer {
  const server: FakeServer = {
    // every page reads the thresholds in effect: answered unless a test says otherwise
    routes: new Map(
      Object.entries({
        'GET /api/alerts/thresholds': () => json(THRESHOLDS),
        ...routes,
      }),
    ),
    requests: [],
    count: (route) => server.requests.filter((r) => `${r.method} ${r.path}` === route).length,
    fetch: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const url = new URL(request.url);
      const body = request.method === 'GET' ? '' : await request.clone().text();
      server.requests.push({
        method: request.method,
        path: url.pathname,
        search: decodeURIComponent(url.search),
        body,
      });
      const handler = server.routes.get(`${request.method} ${url.pathname}`);
      return handler ? handler(request) : json({ message: 'not found' }, 404);
    },
  };
  return server;
}

export class FakeChart {
  readonly options: unknown[] = [];
  readonly handlers = new Map<string, (params: unknown) => void>();
  private disposed = false;

  setOption(option: unknown): void {
    this.options.push(option);
  }
  get lastOption(): Record<string, unknown> {
    return this.options[this.options.length - 1] as Record<string, unknown>;
  }
  on(event: string, handler: (params: unknown) => void): void {
    this.handlers.set(event, handler);
  }
  off(): void {
    /* nothing bound */
  }
  resize(): void {
    /* no layout in jsdom */
  }
  getWidth(): number {
    return 0;
  }
  getHeight(): number {
    return 0;
  }
  showLoading(): void {
    /* not drawn */
  }
  hideLoading(): void {
    /* not drawn */
  }
  isDisposed(): boolean {
    return this.disposed;
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** An EventSource the spec opens, fails and sends events through. */
export class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.readyState = 2;
    this.closed = true;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  /** A network error (`retrying`: the browser reconnects by itself) or a final one (an answer that is no stream). */
  fail(retrying = true): void {
    this.readyState = retrying ? 0 : 2;
    this.onerror?.(new Event('error'));
  }
  emit(type: 'pass' | 'alert' | 'reset', data: unknown): void {
    this.emitText(type, JSON.stringify(data));
  }
  emitText(type: string, data: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }
}

export interface FakeBrowser {
  /** Every EventSource opened, oldest first. */
  sources: FakeEventSource[];
  /** The newest one. */
  readonly source: FakeEventSource;
  visible: WritableSignal<boolean>;
  /** transferSize per URL path, as resource timing would report it. */
  transfers: Map<string, number>;
}

/** Refetch at once after every event: the specs of the throttle itself set their own policy. */
export const NO_THROTTLE: RefreshPolicy = {
  minGapMs: 0,
  gapPer10kServersMs: 0,
  summaryBytesPerMinute: Number.POSITIVE_INFINITY,
  sideBytesPerMinute: Number.POSITIVE_INFINITY,
};

/**
 * Providers for a spec: the fake fetch and EventSource, a fake ECharts, a visible tab, a long retry
 * period and, unless given, no throttle.
 */
export function testProviders(
  server: FakeServer,
  policy: RefreshPolicy = NO_THROTTLE,
): {
  providers: Provider[];
  charts: FakeChart[];
  browser: FakeBrowser;
} {
  const charts: FakeChart[] = [];
  const init = () => {
    const chart = new FakeChart();
    charts.push(chart);
    return chart;
  };
  const sources: FakeEventSource[] = [];
  const browser: FakeBrowser = {
    sources,
    get source() {
      const last = sources[sources.length - 1];
      if (!last) throw new Error('no EventSource opened');
      return last;
    },
    visible: signal(true),
    transfers: new Map(),
  };
  return {
    charts,
    browser,
    providers: [
      {
        provide: EVENT_SOURCE,
        useValue: (url: string) => {
          const source = new FakeEventSource(url);
          sources.push(source);
          return source;
        },
      },
      { provide: PAGE_VISIBLE, useValue: browser.visible },
      { provide: TRANSFER_SIZES, useValue: (url: string) => browser.transfers.get(new URL(url).pathname) ?? null },
      { provide: REFRESH_POLICY, useValue: policy },
      { provide: FETCH, useValue: server.fetch },
      // Node's Request needs absolute URLs; the browser resolves the relative defaults.
      { provide: API_BASE_URL, useValue: 'http://console.test/api' },
      {
        provide: GENERATOR_BASE_URL,
        useValue: 'http://console.test/generator',
      },
      { provide: POLL_INTERVAL_MS, useValue: 60_000 },
      provideEchartsCore({ echarts: { init } }),
    ],
  };
}

/** Lets fake responses, effects and ngx-echarts' deferred chart creation run, then renders. */
export async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
  }
  fixture.detectChanges();
}
