import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../app.module';
import { configureApp } from '../configure-app';
import { GENERATOR_DEFAULTS } from '../config/generator-config';
import { ScenariosController } from './scenarios.controller';

describe('scenario API over HTTP', () => {
  let app: INestApplication;
  let base: string;
  let now = Date.UTC(2026, 10, 28, 12);

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ ...GENERATOR_DEFAULTS, stream: false }, { clock: { now: () => now } })],
    }).compile();
    app = configureApp(moduleRef.createNestApplication({ logger: false }));
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(() => app.close());

  const post = (body: unknown) =>
    fetch(`${base}/scenario/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('keeps decorator metadata (Nest DI depends on it)', () => {
    expect(Reflect.getMetadata('design:paramtypes', ScenariosController)).toHaveLength(1);
  });

  it('starts healthy with nobody affected', async () => {
    now += 30_000;
    const status = await (await fetch(`${base}/scenario/status`)).json();
    expect(status).toEqual({
      scenario: 'healthy',
      multiplier: 1,
      affected_servers: [],
      uptime_seconds: 30,
    });
  });

  it('switches to degrading and reports the stable affected set', async () => {
    const res = await post({ scenario: 'degrading' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'success',
      old_scenario: 'healthy',
      new_scenario: 'degrading',
      affected_servers: 3,
      message: 'Scenario changed to degrading. 3 servers affected.',
    });
    const status = await (await fetch(`${base}/scenario/status`)).json();
    expect(status.scenario).toBe('degrading');
    expect(status.multiplier).toBe(1.15);
    expect(status.affected_servers).toHaveLength(3);

    await post({ scenario: 'critical' });
    const critical = await (await fetch(`${base}/scenario/status`)).json();
    expect(critical.multiplier).toBe(1.6);
    expect(critical.affected_servers).toEqual(status.affected_servers);
  });

  it('rejects an unknown scenario with 400 listing the valid ones', async () => {
    const res = await post({ scenario: 'apocalypse' });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toEqual(['scenario must be one of: healthy, degrading, critical, disk_fill, memory_leak']);
    expect((await post({})).status).toBe(400);
    const extra = await post({ scenario: 'healthy', force: true });
    expect(extra.status).toBe(400);
    expect((await extra.json()).message).toEqual(['property force should not exist']);
  });

  it('serves the health check and the OpenAPI document', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({
      status: 'healthy',
      service: 'metrics_generator_daemon',
      running: true,
    });
    const doc = await (await fetch(`${base}/docs-json`)).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/scenario/set', '/scenario/status', '/fleet', '/stream/status']));
    expect(doc.components.schemas.ScenarioSetDto.properties.scenario.enum).toEqual([
      'healthy',
      'degrading',
      'critical',
      'disk_fill',
      'memory_leak',
    ]);
  });
});
