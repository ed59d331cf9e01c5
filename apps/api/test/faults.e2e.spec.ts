import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedModelDir } from '@tft/tft-runner';
import { describe, expect, it } from 'vitest';
import { SqliteWindowStore } from '../src/window/window.store';
import { history, startTestApp } from './test-app';

interface Status {
  inference: {
    model_type: string;
    model_error: string | null;
    model_version: string | null;
  };
}
interface Health {
  status: string;
  details: { model: string; model_error: string | null };
}

describe('faults: missing or corrupt model', () => {
  const modelDirs: [string, () => string, RegExp][] = [
    [
      'an empty model directory',
      () => mkdtempSync(join(tmpdir(), 'tft-nomodel-')),
      /no TFT model loaded from .*tft-nomodel-.*metadata\.json/,
    ],
    [
      'a garbage model.onnx',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'tft-badmodel-'));
        copyFileSync(join(shippedModelDir(), 'metadata.json'), join(dir, 'metadata.json'));
        writeFileSync(join(dir, 'model.onnx'), 'this is not an onnx graph \u0000\u0001\u0002'.repeat(100));
        return dir;
      },
      /no TFT model loaded from .*tft-badmodel-.*model\.onnx/,
    ],
  ];

  it.each(modelDirs)(
    'starts in heuristic mode with %s and says so in /status and /health',
    async (_, makeDir, reason) => {
      const t = await startTestApp({ MODEL_DIR: makeDir() });
      try {
        const status = await t.get<Status>('/status');
        expect(status.inference.model_type).toBe('heuristic');
        expect(status.inference.model_version).toBeNull();
        expect(status.inference.model_error).toMatch(reason);
        const health = await t.get<Health>('/health');
        expect(health.status).toBe('degraded');
        expect(health.details.model).toBe('heuristic');
        expect(health.details.model_error).toBe(status.inference.model_error);
        // and it still works: data in, heuristic forecasts out
        const res = await t.post('/feed/data', {
          records: history('ppweb0501', 24, (i) => 30 + i, 'web_api'),
        });
        expect(res.status).toBe(200);
        expect((await res.json()).records_added).toBe(24);
        await t.inference.pass();
        const body = await t.get<{
          predictions: Record<string, { model: string; cpu_percent: { p50: number[] } }>;
        }>('/predictions/current');
        expect(body.predictions['ppweb0501'].model).toBe('heuristic');
        expect(body.predictions['ppweb0501'].cpu_percent.p50).toHaveLength(96);
      } finally {
        await t.app.close();
      }
    },
    60_000,
  );
});

describe('faults: the store cannot write (disk full, I/O error)', () => {
  it('answers 503, acknowledges nothing and keeps serving what was stored', async () => {
    let failing = false;
    let failures = 0;
    const t = await startTestApp(
      {},
      {
        store: (runtime) => {
          const real = new SqliteWindowStore(mkdtempSync(join(tmpdir(), 'tft-failstore-')), runtime.grid.stepSeconds, 'NORMAL');
          const commit = real.commit.bind(real);
          real.commit = (...args) => {
            if (failing) {
              failures++;
              throw new Error('SQLITE_FULL: database or disk is full');
            }
            commit(...args);
          };
          return real;
        },
      },
    );
    try {
      const first = history('ppdb0501', 6, () => 50, 'database');
      expect((await t.post('/feed/data', { records: first.slice(0, 3) })).status).toBe(200);
      failing = true;
      const refused = await t.post('/feed/data', {
        records: [...first.slice(3), ...history('ppdb0502', 2, () => 20)],
      });
      expect(refused.status).toBe(503);
      expect((await refused.json()).message).toContain('database or disk is full');
      expect(failures).toBe(1);
      const samples = async (name: string) => {
        const res = await fetch(`${t.base}/servers/${name}`);
        if (res.status === 404) return 0;
        const d = (await res.json()) as {
          history: { samples: number }[];
          open_step: { samples: number } | null;
        };
        return d.history.reduce((a, h) => a + h.samples, 0) + (d.open_step?.samples ?? 0);
      };
      expect(await samples('ppdb0501')).toBe(3); // only what was acknowledged
      expect(await samples('ppdb0502')).toBe(0); // a new server is not half-registered
      failing = false;
      const retried = await t.post('/feed/data', { records: first.slice(3) });
      expect(retried.status).toBe(200);
      expect((await retried.json()).records_added).toBe(3); // nothing of the failed request was kept as a duplicate
      expect(await samples('ppdb0501')).toBe(6);
    } finally {
      await t.app.close();
    }
  }, 60_000);
});
