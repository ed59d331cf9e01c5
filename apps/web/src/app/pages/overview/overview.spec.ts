import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { activeAlerts, predictions, status } from '../../../testing/fixtures';
import { fakeServer, json, settle, testProviders, unreachable, type FakeChart, type FakeServer } from '../../../testing/fake-server';
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
  let fixture: ComponentFixture<Overview>;

  function routes(overrides: Record<string, () => Response> = {}) {
    return {
      'GET /api/status': () => json(status()),
      'GET /api/predictions/current': () => json(predictions()),
      'GET /api/alerts/active': () => json(activeAlerts()),
      'GET /generator/scenario/status': () => json(scenarioStatus),
      ...overrides,
    };
  }

  async function render(overrides: Record<string, () => Response> = {}) {
    server = fakeServer(routes(overrides));
    const setup = testProviders(server);
    charts = setup.charts;
    TestBed.configureTestingModule({
      providers: [provideRouter([{ path: 'servers/:name', children: [] }]), ...setup.providers],
    });
    fixture = TestBed.createComponent(Overview);
    await settle(fixture);
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const text = (testId: string) => el().querySelector(`[data-testid="${testId}"]`)?.textContent?.replace(/\s+/g, ' ').trim();

  it('shows fleet health, incident probabilities, warmup and model', async () => {
    await render();
    expect(text('fleet-health')).toBe('critical');
    expect(text('server-count')).toBe('3');
    expect(text('incident-30m')).toBe('12.9 %');
    expect(text('incident-8h')).toBe('44.1 %');
    expect(text('alert-count')).toBe('1 / 2');
    expect(text('warmup-percent')).toBe('100 %');
    expect(el().querySelector('[data-testid="api-error"]')).toBeNull();
  });

  it('lists every server with its model, risk and alerts, linking to its page', async () => {
    await render();
    const rows = [...el().querySelectorAll('[data-testid="server-table"] tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-server'))).toEqual(['ppdb0001', 'ppetl0001', 'ppweb0004']);
    const web = rows[2].textContent!.replace(/\s+/g, ' ');
    expect(web).toContain('web_api');
    expect(web).toContain('97.2 %'); // current memory
    expect(web).toContain('24.0 %'); // 8-hour risk
    expect(web).toContain('1 critical');
    expect(rows[0].textContent).toContain('heuristic');
    expect(rows[2].querySelector('a')?.getAttribute('href')).toBe('/servers/ppweb0004');
  });

  it('feeds the charts and opens a server when a cell or bar is clicked', async () => {
    await render();
    expect(charts).toHaveLength(2);
    const heatmap = charts.find((c) => JSON.stringify(c.lastOption).includes('"heatmap"'))!;
    const series = (
      heatmap.lastOption['series'] as {
        data: { name: string; value: number[] }[];
      }[]
    )[0];
    expect(series.data).toContainEqual({
      name: 'ppweb0004',
      value: [1, 2, 105.2],
    });

    const navigate = vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    heatmap.handlers.get('click')!({ name: 'ppweb0004' });
    expect(navigate).toHaveBeenCalledWith(['/servers', 'ppweb0004']);
  });

  it('updates in place on the next refresh, merging new options into the same charts', async () => {
    await render();
    const before = charts[0].options.length;
    const next = predictions();
    next.environment.incident_probability_30m = 0.5;
    server.routes.set('GET /api/predictions/current', () => json(next));
    (fixture.componentInstance as unknown as { fleet: { refresh(): void } }).fleet.refresh();
    await settle(fixture);
    expect(text('incident-30m')).toBe('50.0 %');
    expect(charts).toHaveLength(2); // same chart instances, no re-creation
    expect(charts[0].options.length).toBeGreaterThan(before);
  });

  it('says the api is unreachable instead of showing an empty fleet', async () => {
    await render({
      'GET /api/status': () => unreachable('api'),
      'GET /api/predictions/current': () => unreachable('api'),
      'GET /api/alerts/active': () => unreachable('api'),
    });
    expect(text('api-error')).toContain('Inference api unreachable');
    expect(text('api-error')).toContain('ECONNREFUSED');
    expect(el().querySelector('[data-testid="server-count"]')).toBeNull();
    expect(el().querySelector('[data-testid="server-table"]')).toBeNull();
  });

  it('keeps the last data, dimmed, when the api goes away', async () => {
    await render();
    server.routes.set('GET /api/status', () => unreachable('api'));
    (fixture.componentInstance as unknown as { fleet: { refresh(): void } }).fleet.refresh();
    await settle(fixture);
    expect(text('api-error')).toContain('Showing the last data received');
    expect(text('server-count')).toBe('3');
    expect(el().querySelector('.stale')).not.toBeNull();
  });

  it('explains an api without servers', async () => {
    const empty = predictions();
    empty.predictions = {};
    empty.alerts = [];
    await render({
      'GET /api/status': () =>
        json(
          status({
            servers: [],
            fleet: {
              total_servers: 0,
              healthy_servers: 0,
              stale_servers: 0,
              fleet_status: '0/0 servers ready',
            },
          }),
        ),
      'GET /api/predictions/current': () => json(empty),
      'GET /api/alerts/active': () => json(activeAlerts([])),
    });
    expect(text('no-servers')).toContain('No servers have reported metrics yet');
    expect(el().querySelector('[data-testid="server-count"]')).toBeNull();
  });

  it('shows warmup progress while servers warm up', async () => {
    await render({
      'GET /api/status': () =>
        json(
          status({
            warmup: {
              is_warmed_up: false,
              progress_percent: 42,
              threshold: 12,
              message: 'Warming up - 1/3 servers ready',
            },
          }),
        ),
    });
    expect(text('warming-up')).toBe(
      'Warming up: 42 %. 3/3 servers ready; servers with fewer than 12 closed steps get heuristic forecasts until then.',
    ); // the readiness count once, not twice
  });

  it('lists stale servers apart and leaves them out of the server count', async () => {
    const base = status();
    await render({
      'GET /api/status': () =>
        json({
          ...base,
          fleet: { ...base.fleet, total_servers: 2, stale_servers: 1 },
          servers: base.servers.map((s, i) => ({ ...s, stale: i === 0 })),
        }),
    });
    expect(text('stale-servers')).toContain(`1 stale: no data from ${base.servers[0].server_name} for a while`);
    expect(text('server-count')).toBe('2');
  });

  it('labels the data clock', async () => {
    await render();
    const time = el().querySelector('[data-testid="data-time"]');
    expect(time?.getAttribute('datetime')).toBe(predictions().metadata.prediction_time);
    expect(time?.parentElement?.textContent).toContain('Data time');
  });

  it('says when the api runs without a model rather than "warming up"', async () => {
    const base = status();
    await render({
      'GET /api/status': () =>
        json(
          status({
            warmup: {
              ...base.warmup,
              is_warmed_up: false,
              message: 'No TFT model loaded - heuristic forecasts for all 3 servers',
            },
            inference: {
              ...base.inference,
              model_type: 'heuristic',
              model_error: 'models/tft not found: run from the repository or set MODEL_DIR',
            },
          }),
        ),
    });
    expect(text('no-model')).toContain('No TFT model loaded: every forecast is heuristic.');
    expect(text('no-model')).toContain('models/tft not found: run from the repository or set MODEL_DIR');
    expect(el().querySelector('[data-testid="warming-up"]')).toBeNull();
  });
});
