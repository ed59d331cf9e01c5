import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerDriversDto } from '../src/drivers/dto/server-drivers.dto';
import type { Alert } from '../src/snapshot/alert';
import { END, startTestApp, type RecordShape, type TestApp } from './test-app';

/** `steps` 5-minute records ending just before `end`: cpu per step index, the other metrics steady. */
function host(server: string, steps: number, cpu: (i: number) => number, end = END): RecordShape[] {
  return Array.from({ length: steps }, (_, i) => ({
    timestamp: new Date((end - (steps - i) * 300) * 1000).toISOString(),
    server_name: server,
    cpu_percent: cpu(i),
    memory_percent: 45,
    disk_percent: 60,
    load_average: 1.2,
  }));
}

describe('GET /servers/{name}/drivers and the alerts that name their driver (real model)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ALERT_FOR: '0s' });
    // a host with no profile, flat at 30 % for two days, whose cpu jumped to 95 % in the last hour
    const jump = host('vm-jump', 576, (i) => (i >= 564 ? 95 : 30));
    for (let i = 0; i < jump.length; i += 200) expect((await t.post('/feed/data', { records: jump.slice(i, i + 200) })).status).toBe(200);
    expect((await t.post('/feed/data', { records: host('vm-new', 6, () => 20) })).status).toBe(200);
    await t.inference.pass();
  }, 60_000);
  afterAll(() => t?.app.close());

  it('says the recent cpu values drive the cpu forecast, and the absent profile nothing', async () => {
    const d = await t.get<ServerDriversDto>('/servers/vm-jump/drivers');
    expect(d).toMatchObject({ server_name: 'vm-jump', model: 'TFT', reason: null });
    expect(d.model_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(d.method).toMatch(/neutral baseline/);
    const cpu = d.metrics!.cpu_percent;
    expect(cpu[0]).toMatchObject({ input: 'cpu_percent.recent', label: 'cpu_percent over the last hour' });
    expect(cpu[0].change).toBeGreaterThan(10);
    expect(cpu.map((r) => r.input).sort()).toHaveLength(10);
    for (const rows of Object.values(d.metrics!)) expect(rows.find((r) => r.input === 'profile')!.change).toBe(0);
    // the same forecast: the same answer, from the cache
    expect(await t.get('/servers/vm-jump/drivers')).toEqual(d);
  });

  it('names the top driver on the alert it raised, and in what Alertmanager would get', async () => {
    const { alerts } = await t.get<{ alerts: Alert[] }>('/alerts/active');
    const cpu = alerts.find((a) => a.server === 'vm-jump' && a.metric === 'cpu_percent');
    expect(cpu?.driver).toMatchObject({ input: 'cpu_percent.recent', label: 'cpu_percent over the last hour' });
    expect(cpu!.driver!.change).toBeGreaterThan(10);
  });

  it('explains why a heuristic forecast has none, and 404s a server it does not know', async () => {
    const d = await t.get<ServerDriversDto>('/servers/vm-new/drivers');
    expect(d).toMatchObject({ model: 'heuristic', metrics: null, model_version: null });
    expect(d.reason).toMatch(/heuristic/);
    const missing = await fetch(`${t.base}/servers/vm-nobody/drivers`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(/vm-nobody has no forecast/);
  });

  it('attributes the next forecast once a new step closes', async () => {
    const before = await t.get<ServerDriversDto>('/servers/vm-jump/drivers');
    expect((await t.post('/feed/data', { records: host('vm-jump', 2, () => 95, END + 600) })).status).toBe(200);
    await t.inference.pass();
    const after = await t.get<ServerDriversDto>('/servers/vm-jump/drivers');
    expect(Date.parse(after.forecast_origin)).toBeGreaterThan(Date.parse(before.forecast_origin));
  });
});
