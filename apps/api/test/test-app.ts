import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { FeedRecordDto } from '@tft/api-client';
import { AppModule, type ApiDeps } from '../src/app.module';
import { loadApiConfig, type ApiConfig } from '../src/config/api-config';
import { configureApp } from '../src/configure-app';
import { InferenceService } from '../src/inference/inference.service';

export interface TestApp {
  app: NestExpressApplication;
  base: string;
  config: ApiConfig;
  inference: InferenceService;
  post(path: string, body: unknown): Promise<Response>;
  get<T = unknown>(path: string): Promise<T>;
}

/** The real app (real model, real SQLite in a temp dir) on a random port, set up exactly as main.ts does. */
export async function startTestApp(env: Record<string, string> = {}, deps: ApiDeps = {}): Promise<TestApp> {
  const config = loadApiConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tft-api-')),
    FORECAST_INTERVAL_S: '3600', // tests drive ticks themselves
    SQLITE_SYNCHRONOUS: 'NORMAL',
    INFERENCE_DEVICE: 'cpu',
    ...(process.env['MODEL_DIR'] ? { MODEL_DIR: process.env['MODEL_DIR'] } : {}),
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config, deps)],
  }).compile();
  const app = configureApp(
    moduleRef.createNestApplication<NestExpressApplication>({
      logger: false,
      bodyParser: false,
    }),
    config,
  );
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    base,
    config,
    inference: app.get(InferenceService),
    post: (path, body) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: async (path) => (await fetch(`${base}${path}`)).json(),
  };
}

/** A record of the contract, as integrators' generated clients type it. */
export type RecordShape = FeedRecordDto;

export const END = Math.floor(Date.UTC(2026, 10, 27, 18) / 1000 / 300) * 300;

/** `steps` 5-minute records ending just before END, with a cpu shape given per step index. */
export function history(server: string, steps: number, cpu: (i: number) => number, profile?: FeedRecordDto['profile']): RecordShape[] {
  return Array.from({ length: steps }, (_, i) => {
    const t = END - (steps - i) * 300;
    const c = cpu(i);
    return {
      timestamp: new Date(t * 1000).toISOString(),
      server_name: server,
      cpu_percent: c,
      memory_percent: 55 + 5 * Math.sin(i / 20),
      disk_percent: 40 + i * 0.001,
      load_average: (c / 100) * 4,
      ...(profile ? { profile } : {}),
    };
  });
}

export const daily = (i: number, level = 40): number => level + 15 * Math.sin((2 * Math.PI * i) / 288) + 3 * Math.sin(i * 1.7);
