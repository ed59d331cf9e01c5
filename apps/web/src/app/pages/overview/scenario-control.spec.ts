import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { fakeServer, json, settle, testProviders, unreachable, type FakeServer } from '../../../testing/fake-server';
import { ScenarioControl } from './scenario-control';

describe('ScenarioControl', () => {
  let server: FakeServer;
  let fixture: ComponentFixture<ScenarioControl>;
  let scenario = {
    scenario: 'healthy',
    multiplier: 1,
    affected_servers: [] as string[],
    uptime_seconds: 5,
  };

  async function render(routes: Record<string, (r: Request) => Response | Promise<Response>>) {
    server = fakeServer(routes);
    TestBed.configureTestingModule({
      providers: [provideRouter([]), ...testProviders(server).providers],
    });
    fixture = TestBed.createComponent(ScenarioControl);
    await settle(fixture);
  }

  const el = () => fixture.nativeElement as HTMLElement;
  const button = (name: string) => el().querySelector<HTMLButtonElement>(`[data-testid="scenario-${name}"]`)!;

  beforeEach(() => {
    scenario = {
      scenario: 'healthy',
      multiplier: 1,
      affected_servers: [],
      uptime_seconds: 5,
    };
  });

  it('offers the five scenarios and marks the active one', async () => {
    await render({ 'GET /generator/scenario/status': () => json(scenario) });
    const names = [...el().querySelectorAll('button')].map((b) => b.textContent?.trim());
    expect(names).toEqual(['healthy', 'degrading', 'critical', 'disk_fill', 'memory_leak']);
    expect(button('healthy').getAttribute('aria-pressed')).toBe('true');
    expect(el().querySelector('[data-testid="scenario-status"]')?.textContent).toContain('no servers affected');
  });

  it('switches the scenario and shows the affected servers', async () => {
    await render({
      'GET /generator/scenario/status': () => json(scenario),
      'POST /generator/scenario/set': async (request) => {
        const body = (await request.json()) as { scenario: string };
        scenario = {
          scenario: body.scenario,
          multiplier: 1.6,
          affected_servers: ['ppcon0001', 'ppetl0001', 'ppweb0003'],
          uptime_seconds: 9,
        };
        return json({
          status: 'success',
          old_scenario: 'healthy',
          new_scenario: body.scenario,
          affected_servers: 3,
          message: 'Scenario changed to critical. 3 servers affected.',
        });
      },
    });
    const changed: string[] = [];
    fixture.componentInstance.changed.subscribe((name) => changed.push(name));
    button('critical').click();
    await settle(fixture);
    expect(server.requests.find((r) => r.method === 'POST')?.body).toBe('{"scenario":"critical"}');
    expect(changed).toEqual(['critical']);
    expect(button('critical').getAttribute('aria-pressed')).toBe('true');
    expect(el().querySelector('[data-testid="active-scenario"]')?.textContent).toBe('critical');
    expect([...el().querySelectorAll('[data-testid="affected-servers"] a')].map((a) => a.getAttribute('href'))).toEqual([
      '/servers/ppcon0001',
      '/servers/ppetl0001',
      '/servers/ppweb0003',
    ]);
    expect(el().textContent).toContain('Scenario changed to critical. 3 servers affected.');
  });

  it('says the generator is down and disables the buttons', async () => {
    await render({
      'GET /generator/scenario/status': () => unreachable('generator'),
    });
    expect(el().querySelector('[data-testid="generator-error"]')?.textContent).toContain('Metrics generator unreachable');
    expect(button('critical').disabled).toBe(true);
  });
});
