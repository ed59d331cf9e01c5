// A fetch that answers from a route table, and an ECharts stand-in that records what it is given:
// component specs run the real generated client and the real ngx-echarts directive against them.
import type { Provider } from '@angular/core';
import { provideEchartsCore } from 'ngx-echarts';
import { API_BASE_URL, FETCH, GENERATOR_BASE_URL } from '../app/core/api';
import { POLL_INTERVAL_MS } from '../app/core/poll';
import { THRESHOLDS } from './fixtures';

export type Handler = (request: Request) => Response | Promise<Response>;

export interface FakeServer {
  fetch: typeof fetch;
  /** `METHOD /path` -> handler; replace entries to change answers between polls. */
  routes: Map<string, Handler>;
  requests: { method: string; path: string; body: string }[];
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** What tools/serve-web.mjs answers when a daemon is down. */
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
    fetch: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const url = new URL(request.url);
      const body = request.method === 'GET' ? '' : await request.clone().text();
      server.requests.push({
        method: request.method,
        path: url.pathname,
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

/** Providers for a spec: the fake fetch, a fake ECharts, and a long poll period. */
export function testProviders(server: FakeServer): {
  providers: Provider[];
  charts: FakeChart[];
} {
  const charts: FakeChart[] = [];
  const init = () => {
    const chart = new FakeChart();
    charts.push(chart);
    return chart;
  };
  return {
    charts,
    providers: [
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
