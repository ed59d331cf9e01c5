import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import type { FleetSummaryDto } from '@tft/api-client';
import {
  accuracy,
  activeAlerts,
  ALERTS,
  fleetServer,
  fleetSummary,
  health,
  largeFleetSummary,
  passEvent,
  predictions,
} from '../../../testing/fixtures';
import {
  fakeServer,
  json,
  NO_THROTTLE,
  settle,
  testProviders,
  unreachable,
  type FakeBrowser,
  type FakeChart,
  type FakeServer,
  type Handler,
} from '../../../testing/fake-server';
import type { RefreshPolicy } from '../../core/refresh';
import { Overview } from './overview';

const scenarioStatus = {
  scenario: 'healthy',
  multiplier: 1,
  affected_servers: [],
  uptime_seconds: 12,
};

describe('Overview', () => {
  let server: FakeServer;
  let charts: FakeChart[];
  let browser: FakeBrowser;
  let fixture: ComponentFixture<Overview>;

  function routes(overrides: Record<string, Handler> = {}): Record<string, Handler> {
    return {
      'GET /api/fleet/summary': () => json(fleetSummary()),
      'GET /api/predictions/current': () => json(predictions()),
      'GET /api/alerts/active': () => json(activeAlerts()),
      'GET /api/health': () => json(health()),
      'GET /api/accuracy': (request) => json(accuracy(windowOf(request))),
      'GET /generator/scenario/status': () => json(scenarioStatus),
      ...overrides,
    };
  }
  const windowOf = (request: Request) => (new URL(request.url).searchParams.get('window') === '7d' ? '7d' : '24h');

  async function render(overrides: Record<string, Handler> = {}, policy: RefreshPolicy = NO_THROTTLE) {
    server = fakeServer(routes(overrides));
    const setup = testProviders(server, policy);
    charts = setup.charts;
    browser = setup.browser;
    TestBed.configureTestingModule({
      providers: [provideRouter([{ path: 'servers/:name', children: [] }]), ...setup.providers],
    });
    fixture = TestBed.createComponent(Overview);
    await settle(fixture);
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const text = (testId: string) => el().querySelector(`[data-testid="${testId}"]`)?.textContent?.replace(/\s+/g, ' ').trim();
  const rows = () => [...el().querySelectorAll('[data-testid="server-row"]')];
  const cells = (testId: string) => [...el().querySelectorAll(`[data-testid="${testId}"] > *`)].map((c) => c.textContent?.trim());
  const rowNames = () => rows().map((r) => r.getAttribute('data-server'));
  const apiRequests = () => server.requests.filter((r) => r.path.startsWith('/api/')).map((r) => r.path + r.search);
  const summaryWith = (patch: (s: FleetSummaryDto) => void) => {
    const s = fleetSummary();
    patch(s);
    return s;
  };

  async function type(testId: string, value: string) {
    const input = el().querySelector<HTMLInputElement>(`[data-testid="${testId}"]`)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await settle(fixture);
  }
  async function choose(testId: string, value: string) {
    const select = el().querySelector<HTMLSelectElement>(`[data-testid="${testId}"]`)!;
    select.value = value;
    select.dispatchEvent(new Event('change'));
    await settle(fixture);
  }

  it('shows the fleet counts, the expected critical servers with their band, alerts, warmup and model', async () => {
    await render();
    expect(text('fleet-health')).toBe('critical');
    expect(text('server-count')).toBe('3');
    expect(text('server-breakdown')).toBe('2 TFT · 1 heuristic · 0 warming up · 0 stale');
    expect(text('expected-30m')).toBe('0.2 servers (0–1)');
    expect(text('expected-8h')).toBe('0.6 servers (0–2)');
    // the saturating probabilities stay as secondary text
    expect(text('incident-30m')).toBe('12.9 %');
    expect(text('incident-8h')).toBe('44.1 %');
    expect(text('alert-count')).toBe('1 / 2');
    expect(text('warmup-percent')).toBe('100 %');
    expect(text('model')).toBe('TFT');
    expect(el().querySelector('[data-testid="api-error"]')).toBeNull();
  });

  it('reads the fleet from /fleet/summary: never /status nor the whole predictions body', async () => {
    await render();
    expect(apiRequests().sort()).toEqual([
      '/api/accuracy?window=24h',
      '/api/accuracy?window=7d',
      '/api/alerts/active',
      '/api/alerts/thresholds',
      '/api/fleet/summary',
      '/api/health',
      '/api/predictions/current?servers=ppdb0001,ppetl0001,ppweb0004',
    ]);
  });

  it('says how good the forecasts are over 24 h and 7 d: skill against the best baseline, coverage, alert precision', async () => {
    await render();
    const card = el().querySelector('[data-testid="accuracy-card"]')!;
    expect(card.querySelector('h2')?.textContent).toContain('How good are the forecasts here');
    expect([...card.querySelectorAll('thead th')].map((th) => th.textContent?.trim())).toEqual(['', '24 h', '7 d']);
    expect(cells('accuracy-skill')).toEqual(['TFT vs best baseline', '40 % better than seasonal naive', '40 % better than seasonal naive']);
    expect(cells('accuracy-coverage')).toEqual(['p10–p90 coverage (ideal 80 %)', '81 %', '81 %']);
    expect(cells('accuracy-precision')).toEqual(['Alert precision', '7 of 12 (58 %)', '7 of 12 (58 %)']);
    expect(cells('accuracy-scored')).toEqual(['Forecast steps scored', '4,608', '4,608']);
    // the profile whose forecasts lose to a baseline is named
    expect(text('accuracy-losing')).toBe('Loses to a baseline over 7 d: web_api: there a naive forecast did better than the TFT.');
  });

  it('marks a fleet whose forecasts lose to a baseline, and explains a record with nothing scored yet', async () => {
    await render({ 'GET /api/accuracy': (request) => json(accuracy(windowOf(request), { tftAll: 0.091 })) });
    expect(cells('accuracy-skill')).toEqual(['TFT vs best baseline', '30 % worse than seasonal naive', '30 % worse than seasonal naive']);
    expect(el().querySelectorAll('[data-testid="accuracy-skill"] td.loses')).toHaveLength(2);
    fixture.destroy();
    TestBed.resetTestingModule();
    await render({ 'GET /api/accuracy': (request) => json(accuracy(windowOf(request), { scored: false })) });
    expect(text('accuracy-empty')).toContain('No forecast has been scored yet');
    expect(text('accuracy-empty')).toContain('one every 48 steps');
    expect(el().querySelector('[data-testid="accuracy-skill"]')).toBeNull();
  });

  it('does not read the track record again on every pass event: at most once a minute', async () => {
    await render();
    browser.source.open();
    browser.source.emit('pass', passEvent());
    await settle(fixture);
    expect(server.count('GET /api/accuracy')).toBe(2); // the first read's two windows
  });

  it('lists every server in risk order with model, current values, risk and worst alert, linking to its page', async () => {
    await render();
    expect(rowNames()).toEqual(['ppetl0001', 'ppweb0004', 'ppdb0001']);
    expect(text('server-table-count')).toBe('3 of 3 servers');
    const web = rows()[1].textContent!.replace(/\s+/g, ' ');
    expect(web).toContain('web_api');
    expect(web).toContain('97.2 %'); // current memory
    expect(web).toContain('24.0 %'); // 8-hour risk
    expect(web).toContain('critical Memory in 5 min');
    expect(rows()[2].textContent).toContain('heuristic');
    expect(rows()[1].querySelector('a')?.getAttribute('href')).toBe('/servers/ppweb0004');
  });

  it('narrows the table by search, worst alert, profile and model', async () => {
    await render();
    await type('server-search', 'WEB');
    expect(rowNames()).toEqual(['ppweb0004']);
    expect(text('server-table-count')).toBe('1 of 3 servers');
    await type('server-search', 'nothing-like-it');
    expect(rowNames()).toEqual([]);
    expect(text('no-matching-servers')).toContain('No server matches');
    await type('server-search', '');
    await choose('filter-severity', 'warning');
    expect(rowNames()).toEqual(['ppetl0001', 'ppdb0001']);
    await choose('filter-model', 'heuristic');
    expect(rowNames()).toEqual(['ppdb0001']);
    await choose('filter-severity', '');
    await choose('filter-model', '');
    await choose('filter-profile', 'data_ingest');
    expect(rowNames()).toEqual(['ppetl0001']);
    // the profile filter offers the profiles present, with their counts
    const options = [...el().querySelectorAll('[data-testid="filter-profile"] option')].map((o) => o.textContent?.trim());
    expect(options).toEqual(['All profiles', 'database (1)', 'web_api (1)', 'data_ingest (1)']);
  });

  it('sorts by a column header, reverses on a second click, and keeps the order across refreshes', async () => {
    await render();
    const header = (label: string) =>
      [...el().querySelectorAll<HTMLButtonElement>('[data-testid="server-table"] [role="columnheader"] button')].find((b) =>
        b.textContent?.trim().startsWith(label),
      )!;
    header('Server').click();
    await settle(fixture);
    expect(rowNames()).toEqual(['ppdb0001', 'ppetl0001', 'ppweb0004']);
    header('Server').click();
    await settle(fixture);
    expect(rowNames()).toEqual(['ppweb0004', 'ppetl0001', 'ppdb0001']);
    expect(header('Server').closest('[role="columnheader"]')?.getAttribute('aria-sort')).toBe('descending');
    header('Memory').click();
    await settle(fixture);
    expect(rowNames()).toEqual(['ppweb0004', 'ppdb0001', 'ppetl0001']); // 97.2, 88, 86 %

    browser.source.open();
    server.routes.set('GET /api/fleet/summary', () =>
      json(summaryWith((s) => (s.servers.find((x) => x.name === 'ppetl0001')!.current.memory_percent = 99))),
    );
    browser.source.emit('pass', passEvent());
    await settle(fixture);
    expect(rowNames()).toEqual(['ppetl0001', 'ppweb0004', 'ppdb0001']);
  });

  it('renders only the rows in view of a 10,000-server fleet, and search still finds any of them', async () => {
    const big = largeFleetSummary(10_000);
    await render({ 'GET /api/fleet/summary': () => json(big) });
    expect(text('server-count')).toBe('10,000');
    expect(text('server-table-count')).toBe('10,000 of 10,000 servers');
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().length).toBeLessThan(60);
    expect(rowNames()[0]).toBe('lf00000');
    // the heatmap asks for the riskiest 25 alone
    const narrowed = server.requests.find((r) => r.path === '/api/predictions/current')!;
    expect(narrowed.search).toBe(`?servers=${Array.from({ length: 25 }, (_, i) => `lf000${String(i).padStart(2, '0')}`).join(',')}`);
    expect(text('heatmap-note')).toBe('riskiest 25 of 10,000');
    await type('server-search', 'lf09123');
    expect(rowNames()).toEqual(['lf09123']);
    expect(text('server-table-count')).toBe('1 of 10,000 servers');
  });

  it('draws the riskiest servers in the heatmap, riskiest on top, and opens a server when a cell is clicked', async () => {
    await render();
    expect(charts).toHaveLength(2);
    expect(text('heatmap-note')).toBe('riskiest 3 of 3');
    const heatmap = charts.find((c) => JSON.stringify(c.lastOption).includes('"heatmap"'))!;
    expect((heatmap.lastOption['yAxis'] as { data: string[] }).data).toEqual(['ppetl0001', 'ppweb0004', 'ppdb0001']);
    const series = (heatmap.lastOption['series'] as { data: { name: string; value: number[] }[] }[])[0];
    expect(series.data).toContainEqual({ name: 'ppweb0004', value: [1, 1, 105.2] });

    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    heatmap.handlers.get('click')!({ name: 'ppweb0004' });
    expect(navigate).toHaveBeenCalledWith(['/servers', 'ppweb0004']);
  });

  it('refetches the summary on a pass event and updates in place, merging new options into the same charts', async () => {
    await render();
    browser.source.open();
    const before = charts[0].options.length;
    server.routes.set('GET /api/fleet/summary', () =>
      json(summaryWith((s) => (s.environment.expected_critical_servers_30m = { expected: 1.4, low: 0, high: 3 }))),
    );
    browser.source.emit('pass', passEvent({ changed: [] }));
    await settle(fixture);
    expect(server.count('GET /api/fleet/summary')).toBe(2);
    expect(text('expected-30m')).toBe('1.4 servers (0–3)');
    expect(charts).toHaveLength(2); // same chart instances, no re-creation
    expect(charts[0].options.length).toBeGreaterThan(before);
  });

  it('refetches the heatmap forecasts only when a pass changes one of the servers it shows', async () => {
    await render();
    browser.source.open();
    browser.source.emit('pass', passEvent({ changed: ['ppother01'] }));
    await settle(fixture);
    expect(server.count('GET /api/predictions/current')).toBe(1);
    browser.source.emit('pass', passEvent({ changed: ['ppweb0004'] }));
    await settle(fixture);
    expect(server.count('GET /api/predictions/current')).toBe(2);
  });

  it('refetches the alerts on an alert event, not on a pass', async () => {
    await render();
    browser.source.open();
    browser.source.emit('pass', passEvent());
    await settle(fixture);
    expect(server.count('GET /api/alerts/active')).toBe(1);
    server.routes.set('GET /api/alerts/active', () => json(activeAlerts([ALERTS[1]])));
    browser.source.emit('alert', {
      state: 'resolved',
      id: ALERTS[0].id,
      server: 'ppetl0001',
      metric: 'memory_percent',
      severity: 'warning',
      minutes_ahead: 110,
    });
    await settle(fixture);
    expect(server.count('GET /api/alerts/active')).toBe(2);
    expect([...el().querySelectorAll('[data-testid="alerts-table"] tbody tr')]).toHaveLength(1);
  });

  it('refetches everything on a reset event', async () => {
    await render();
    browser.source.open();
    browser.source.emit('reset', { reason: 'the events since x.1 are not kept; refetch' });
    await settle(fixture);
    for (const route of ['GET /api/fleet/summary', 'GET /api/alerts/active', 'GET /api/health', 'GET /api/predictions/current']) {
      expect(server.count(route), route).toBe(2);
    }
  });

  it('says when the change feed is down while the api answers', async () => {
    await render({}, { ...NO_THROTTLE, minGapMs: 60_000 });
    browser.source.open();
    await settle(fixture);
    expect(text('feed-state')).toBe('live');
    browser.source.fail(false);
    await settle(fixture);
    expect(text('feed-down')).toContain('Live updates interrupted');
    expect(text('feed-down')).toContain('refetches every 60 s');
    expect(text('feed-state')).toBe('change feed down');
  });

  it('says the api is unreachable instead of showing an empty fleet', async () => {
    await render({
      'GET /api/fleet/summary': () => unreachable('api'),
      'GET /api/alerts/active': () => unreachable('api'),
      'GET /api/health': () => unreachable('api'),
    });
    expect(text('api-error')).toContain('Inference api unreachable');
    expect(text('api-error')).toContain('ECONNREFUSED');
    expect(el().querySelector('[data-testid="server-count"]')).toBeNull();
    expect(el().querySelector('[data-testid="server-table"]')).toBeNull();
  });

  it('keeps the last data, dimmed, when the api goes away', async () => {
    await render();
    browser.source.open();
    server.routes.set('GET /api/fleet/summary', () => unreachable('api'));
    browser.source.emit('pass', passEvent());
    await settle(fixture);
    expect(text('api-error')).toContain('Showing the last data received');
    expect(text('server-count')).toBe('3');
    expect(el().querySelector('.stale')).not.toBeNull();
  });

  it('explains an api without servers', async () => {
    await render({
      'GET /api/fleet/summary': () => json(fleetSummary([])),
      'GET /api/alerts/active': () => json(activeAlerts([])),
    });
    expect(text('no-servers')).toContain('No servers have reported metrics yet');
    expect(el().querySelector('[data-testid="server-count"]')).toBeNull();
    expect(server.count('GET /api/predictions/current')).toBe(0);
  });

  it('shows warmup progress while servers warm up', async () => {
    const servers = [
      fleetServer('ppetl0001'),
      fleetServer('ppweb0004'),
      fleetServer('ppdb0001', { warmup: { is_warmed_up: false, progress_percent: 40 } }),
    ];
    await render({ 'GET /api/fleet/summary': () => json(fleetSummary(servers)) });
    expect(text('warming-up')).toBe(
      'Warming up: 80 %. 1 of 3 servers have too few closed steps for the TFT and get heuristic forecasts until then.',
    );
    expect(text('warmup-percent')).toBe('80 %');
  });

  it('says when the api runs without a model rather than "warming up"', async () => {
    const servers = [fleetServer('ppdb0001', { warmup: { is_warmed_up: false, progress_percent: 40 } })];
    await render({
      'GET /api/fleet/summary': () => json(fleetSummary(servers)),
      'GET /api/health': () =>
        json(health({ model: 'heuristic', model_error: 'models/tft not found: run from the repository or set MODEL_DIR' })),
    });
    expect(text('no-model')).toContain('No TFT model loaded: every forecast is heuristic.');
    expect(text('no-model')).toContain('models/tft not found: run from the repository or set MODEL_DIR');
    expect(el().querySelector('[data-testid="warming-up"]')).toBeNull();
  });

  it('counts stale servers apart', async () => {
    await render({ 'GET /api/fleet/summary': () => json(summaryWith((s) => (s.fleet.stale_servers = 2))) });
    expect(text('stale-servers')).toContain('2 stale:');
    expect(text('server-count')).toBe('3');
  });

  it('labels the data clock and the state of the change feed', async () => {
    await render();
    const time = el().querySelector('[data-testid="data-time"]');
    expect(time?.getAttribute('datetime')).toBe(fleetSummary().prediction_time);
    expect(time?.parentElement?.textContent).toContain('Data time');
    expect(text('feed-state')).toBe('connecting to the change feed…');
    browser.source.open();
    await settle(fixture);
    expect(text('feed-state')).toBe('live');
    expect(browser.source.url).toBe('http://console.test/api/events');
  });
});

describe('Overview refresh policy at 10,000 servers', () => {
  afterEach(() => vi.useRealTimers());

  it('turns a pass event every 5 s into one summary refetch per 30 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const big = largeFleetSummary(10_000);
    const server = fakeServer({
      'GET /api/fleet/summary': () => json(big),
      'GET /api/predictions/current': () => json(predictions()),
      'GET /api/alerts/active': () => json(activeAlerts([])),
      'GET /api/health': () => json(health()),
      'GET /generator/scenario/status': () => json(scenarioStatus),
    });
    const setup = testProviders(server, {
      minGapMs: 5_000,
      gapPer10kServersMs: 30_000,
      summaryBytesPerMinute: 3 * 2 ** 20,
      sideBytesPerMinute: 2 ** 19,
    });
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...setup.providers] });
    const fixture = TestBed.createComponent(Overview);
    const flush = async () => {
      for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
      fixture.detectChanges();
    };
    await flush();
    expect(server.count('GET /api/fleet/summary')).toBe(1);
    setup.browser.source.open();
    for (let t = 5_000; t <= 60_000; t += 5_000) {
      await vi.advanceTimersByTimeAsync(5_000);
      setup.browser.source.emit('pass', passEvent({ total_servers: 10_000, live_updates: 10_000 }));
      await flush();
    }
    // passes at 5..60 s: refetches at 30 and 60 s, not one per pass
    expect(server.count('GET /api/fleet/summary')).toBe(3);

    // a summary that cost a minute's byte budget (sent uncompressed) pushes the next one out to a minute
    setup.browser.transfers.set('/api/fleet/summary', 3 * 2 ** 20);
    for (let t = 0; t < 55_000; t += 5_000) {
      await vi.advanceTimersByTimeAsync(5_000);
      setup.browser.source.emit('pass', passEvent({ total_servers: 10_000 }));
      await flush();
    }
    expect(server.count('GET /api/fleet/summary')).toBe(3);
    await vi.advanceTimersByTimeAsync(5_000);
    await flush();
    expect(server.count('GET /api/fleet/summary')).toBe(4);
  });
});
