import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { ALERTS, ORIGIN, passEvent, serverDetail, serverDrivers, serverTrackRecord, THRESHOLDS } from '../../../testing/fixtures';
import {
  fakeServer,
  json,
  settle,
  testProviders,
  unreachable,
  type FakeBrowser,
  type FakeChart,
  type FakeServer,
} from '../../../testing/fake-server';
import { ServerDetail } from './server-detail';

describe('ServerDetail', () => {
  let server: FakeServer;
  let charts: FakeChart[];
  let browser: FakeBrowser;
  let fixture: ComponentFixture<ServerDetail>;

  async function render(name: string, routes: Record<string, () => Response>) {
    server = fakeServer(routes);
    const setup = testProviders(server);
    charts = setup.charts;
    browser = setup.browser;
    TestBed.configureTestingModule({
      providers: [provideRouter([]), ...setup.providers],
    });
    fixture = TestBed.createComponent(ServerDetail);
    fixture.componentRef.setInput('name', name);
    await settle(fixture);
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const text = (testId: string) => el().querySelector(`[data-testid="${testId}"]`)?.textContent?.replace(/\s+/g, ' ').trim();

  it('shows the model, warmup, risk and one forecast chart per metric, fetching that server alone', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
    });
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/api/alerts/thresholds',
      '/api/servers/ppweb0004',
      '/api/servers/ppweb0004/drivers',
    ]);
    expect(text('forecast-model')).toBe('TFT');
    expect(text('warmup')).toBe('ready · 144/12 steps');
    expect(text('risk')).toBe('10.8 % / 24.0 %');
    expect([...el().querySelectorAll('section[data-metric]')].map((s) => s.getAttribute('data-metric'))).toEqual([
      'cpu_percent',
      'memory_percent',
      'disk_percent',
      'load_average',
    ]);
    expect(charts).toHaveLength(4);
  });

  it('gives each chart its metric history, forecast and thresholds', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
    });
    const memory = charts.find((c) => JSON.stringify(c.lastOption).includes('"warning 85"'))!;
    const series = memory.lastOption['series'] as {
      id: string;
      data: [number, number | null][];
    }[];
    const byId = Object.fromEntries(series.map((s) => [s.id, s.data]));
    expect(byId['history'].map(([, v]) => v)).toEqual([92.5, 93.1, null, 94.0]);
    expect(byId['p50'][0]).toEqual([Date.parse(ORIGIN) + 300_000, 94]);
    expect(byId['p50']).toHaveLength(96);
  });

  it('draws the thresholds the api serves (ALERT_THRESHOLDS_FILE overrides included)', async () => {
    const overridden = {
      ...THRESHOLDS,
      profiles: THRESHOLDS.profiles.map((p) =>
        p.profile === 'web_api'
          ? {
              ...p,
              thresholds: {
                ...p.thresholds,
                memory_percent: { warning: 70, critical: 80 },
              },
            }
          : p,
      ),
    };
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
      'GET /api/alerts/thresholds': () => json(overridden),
    });
    const memory = charts.filter((c) => JSON.stringify(c.lastOption).includes('"warning 70"'));
    expect(memory).toHaveLength(1);
    expect(JSON.stringify(memory[0].lastOption)).toContain('"critical 80"');
  });

  it('shows per metric the inputs that move its forecast most, and the selection weights labelled for what they are', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
      'GET /api/servers/ppweb0004/drivers': () => json(serverDrivers()),
    });
    const rows = (metric: string) =>
      [...el().querySelectorAll(`[data-testid="drivers"] [data-metric="${metric}"] li`)].map((li) =>
        [...li.querySelectorAll('.name, .pct')].map((s) => s.textContent?.trim()).join(' '),
      );
    // an input that moves nothing (the profile here) is not listed
    expect(rows('memory_percent')).toEqual(['Memory, last hour 12.5 pts', 'Time of day, day of week 3.1 pts', 'CPU, 24 h ago 1.6 pts']);
    expect(rows('load_average')[0]).toBe('Load average, last hour 0.32');
    expect(text('drivers-method')).toContain('neutral baseline');
    const weights = el().querySelector('[data-testid="selection-weights"]')!;
    expect(weights.querySelector('summary')?.textContent).toContain('not what drives it');
    const weightItems = [...weights.querySelectorAll('li')].map((li) =>
      [...li.querySelectorAll('.name, .pct')].map((s) => s.textContent?.trim()).join(' '),
    );
    expect(weightItems.slice(0, 3)).toEqual(['load_average 48 %', 'cpu_percent 29 %', 'memory_percent 23 %']);
  });

  it('keeps the page when the drivers cannot be read, and says why', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
      'GET /api/servers/ppweb0004/drivers': () => json({ message: 'ppweb0004 has no closed step to attribute' }, 404),
    });
    expect(text('forecast-model')).toBe('TFT');
    expect(text('no-drivers')).toContain('ppweb0004 has no closed step to attribute');
  });

  it('says what drives each alert of the server', async () => {
    const driven = { ...ALERTS[1], driver: { input: 'memory_percent.recent', label: 'memory_percent over the last hour', change: 12.52 } };
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail({ alerts: [driven] })),
      'GET /api/servers/ppweb0004/drivers': () => json(serverDrivers()),
    });
    expect(text('alert-driver')).toBe('driven by Memory, last hour');
  });

  it('flags a heuristic forecast and explains the missing drivers', async () => {
    const detail = serverDetail({
      warmup: {
        is_warmed_up: false,
        steps: 5,
        threshold: 12,
        progress_percent: 41.7,
      },
    });
    detail.forecast = {
      ...detail.forecast!,
      model: 'heuristic',
      drivers: null,
    };
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(detail),
    });
    expect(text('forecast-model')).toBe('heuristic');
    expect(text('heuristic-note')).toContain('5 of the 12 closed steps');
    expect(text('warmup')).toBe('warming up · 5/12 steps');
    expect(text('no-drivers')).toContain('heuristic forecast extends the recent trend');
    expect(server.count('GET /api/servers/ppweb0004/drivers')).toBe(0);
  });

  it("shows the server's track record: headline per window and the wQL of each model per horizon bucket", async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
    });
    const headline = (window: string) =>
      el().querySelector(`[data-testid="track-record-headline"] [data-window="${window}"] dd`)?.textContent?.replace(/\s+/g, ' ').trim();
    expect(headline('24 h')).toBe('40 % better than seasonal naive · coverage 81 % · alerts 7 of 12 (58 %) hit, 2 late, 3 false');
    expect(headline('7 d')).toBe('40 % better than seasonal naive · coverage 81 % · alerts 7 of 12 (58 %) hit, 2 late, 3 false');
    const rows = [...el().querySelectorAll('[data-testid="track-record-table"] tbody tr')].map((tr) =>
      [...tr.children].map((c) => c.textContent?.trim()).join(' | '),
    );
    expect(rows).toEqual([
      '0–30 min | 0.030 | 0.040 | 0.050 | 85 % | 288',
      '30 min–2 h | 0.035 | 0.060 | 0.062 | 82 % | 864',
      '2–8 h | 0.045 | 0.100 | 0.075 | 80 % | 3,456',
      'whole 8 h | 0.042 | 0.088 | 0.070 | 81 % | 4,608',
    ]);
    // the better baseline of each bucket stands out
    expect([...el().querySelectorAll('[data-testid="track-record-table"] td.best')].map((td) => td.textContent?.trim())).toEqual([
      '0.040',
      '0.060',
      '0.075',
      '0.070',
    ]);
    expect(el().querySelector('[data-testid="loses-to-baseline"]')).toBeNull();
    expect(el().querySelector('[data-testid="track-record-loses"]')).toBeNull();
  });

  it('marks a server whose forecasts lose to a baseline, in its header and its track record', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail({ track_record: serverTrackRecord({ tftAll: 0.091 }) })),
    });
    expect(text('loses-to-baseline')).toBe('loses to seasonal naive');
    expect(text('track-record-loses')).toContain('Loses to seasonal naive:');
    expect(el().querySelector('[data-testid="track-record-table"] td.loses')?.textContent?.trim()).toBe('0.091');
  });

  it('explains a track record with nothing scored yet', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail({ track_record: serverTrackRecord({ scored: false }) })),
    });
    expect(text('track-record-pending')).toContain('scored from a day after its first sample');
    expect(el().querySelector('[data-testid="track-record-table"]')).toBeNull();
    expect(
      el().querySelector('[data-testid="track-record-headline"] [data-window="7 d"] dd')?.textContent?.replace(/\s+/g, ' ').trim(),
    ).toBe('nothing scored yet · coverage – · alerts none ended');
  });

  it('says when the server is unknown', async () => {
    await render('nope', {
      'GET /api/servers/nope': () =>
        json(
          {
            statusCode: 404,
            message: 'Unknown server nope',
            error: 'Not Found',
          },
          404,
        ),
    });
    expect(text('server-not-found')).toContain('No server named “nope”');
    expect(charts).toHaveLength(0);
  });

  it('says when the api is down', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => unreachable('api'),
    });
    expect(text('api-error')).toContain('Inference api unreachable');
    expect(el().querySelector('[data-testid="server-header"]')).toBeNull();
  });

  it('loads the new server when the route parameter changes', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
      'GET /api/servers/ppdb0001': () => json(serverDetail({ server_name: 'ppdb0001', profile: 'database' })),
    });
    fixture.componentRef.setInput('name', 'ppdb0001');
    await settle(fixture);
    expect(el().querySelector('[data-testid="server-header"] h2')?.textContent).toBe('ppdb0001');
    // database memory thresholds on the memory chart
    expect(JSON.stringify(charts.map((c) => c.lastOption))).toContain('"critical 97"');
  });

  it('refetches when a pass event names the server, and not for other servers', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
    });
    browser.source.open();
    browser.source.emit('pass', passEvent({ changed: ['ppdb0001', 'ppetl0001'] }));
    await settle(fixture);
    expect(server.count('GET /api/servers/ppweb0004')).toBe(1);

    const next = serverDetail();
    next.forecast = { ...next.forecast!, risk: { probability_30m: 0.5, probability_8h: 0.75, driver: 'memory_percent' } };
    server.routes.set('GET /api/servers/ppweb0004', () => json(next));
    browser.source.emit('pass', passEvent({ changed: ['ppdb0001', 'ppweb0004'] }));
    await settle(fixture);
    expect(server.count('GET /api/servers/ppweb0004')).toBe(2);
    expect(text('risk')).toBe('50.0 % / 75.0 %');
    expect(charts).toHaveLength(4); // updated in place
    expect(text('feed-state')).toBe('live');
  });

  it('refetches on a reset event', async () => {
    await render('ppweb0004', {
      'GET /api/servers/ppweb0004': () => json(serverDetail()),
    });
    browser.source.open();
    browser.source.emit('reset', { reason: 'refetch' });
    await settle(fixture);
    expect(server.count('GET /api/servers/ppweb0004')).toBe(2);
    expect(server.requests.some((r) => r.path.startsWith('/api/fleet') || r.path.startsWith('/api/predictions'))).toBe(false);
  });
});
