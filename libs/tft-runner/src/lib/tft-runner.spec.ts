import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { binSamples, profileIndex } from '@tft/forecasting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TftRunner } from './tft-runner';
import { shippedModelDir } from './model-dir';

interface GoldenTensor {
  dtype: 'float32' | 'int64';
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  inputs: Record<string, GoldenTensor>;
  outputs: Record<string, GoldenTensor>;
}
interface EndToEndCase extends GoldenCase {
  server_name: string;
  profile: string | null;
  as_of: string;
  origin_epoch: number;
  records: ({ timestamp: string } & Record<string, number | null>)[];
}
interface Golden {
  tolerance: { outputs_max_abs_diff: number; inputs_max_abs_diff: number };
  cases: GoldenCase[];
  end_to_end: { cases: EndToEndCase[] };
}

const MODEL_DIR = process.env['MODEL_DIR'] ?? shippedModelDir();
const golden: Golden = JSON.parse(readFileSync(join(MODEL_DIR, 'golden.json'), 'utf8'));

function toTensor(t: GoldenTensor): ort.Tensor {
  return t.dtype === 'int64'
    ? new ort.Tensor(
        'int64',
        BigInt64Array.from(t.data, (x) => BigInt(x)),
        t.shape,
      )
    : new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
}

function maxAbsDiff(actual: ArrayLike<number | bigint>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(Number(actual[i]) - expected[i]));
  return max;
}

describe(`TftRunner on ${MODEL_DIR}`, () => {
  let runner: TftRunner;
  beforeAll(async () => {
    runner = await TftRunner.load(MODEL_DIR);
  });
  afterAll(() => runner.release());

  it('reads a model on the 300 s grid with a 96-step horizon and p10/p50/p90', () => {
    expect(runner.metadata.step_seconds).toBe(300);
    expect(runner.metadata.horizon).toBe(96);
    expect(runner.metadata.quantiles).toEqual([0.1, 0.5, 0.9]);
    expect(runner.metadata.min_encoder_length).toBeLessThanOrEqual(12);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('matches PyTorch on golden case %s', async (_, c) => {
    const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, toTensor(t)]));
    const result = await runner.runTensors(feeds);
    for (const [name, expected] of Object.entries(c.outputs)) {
      expect(result[name].dims).toEqual(expected.shape);
      expect(maxAbsDiff(result[name].data as Float32Array, expected.data)).toBeLessThan(golden.tolerance.outputs_max_abs_diff);
    }
  });

  it.each(golden.end_to_end.cases.map((c) => [c.name, c] as const))(
    'builds the same tensors and forecast from raw history: %s',
    async (_, c) => {
      const meta = runner.metadata;
      const series = binSamples(
        c.records.map((r) => ({
          time: Date.parse(r.timestamp) / 1000,
          values: meta.targets.map((m) => r[m] ?? null),
        })),
        meta.step_seconds,
      )!;
      const item = {
        series,
        profileIndex: profileIndex(meta, c.server_name, c.profile),
      };
      const inputs = runner.buildInputs([item]);
      expect(inputs.origins[0]).toBe(c.origin_epoch);
      const ours: Record<string, ArrayLike<number | bigint>> = {
        past_values: inputs.pastValues,
        past_mask: inputs.pastMask,
        encoder_length: inputs.encoderLength,
        past_time: inputs.pastTime,
        future_time: inputs.futureTime,
        profile: inputs.profile,
      };
      for (const [name, expected] of Object.entries(c.inputs)) {
        const diff = maxAbsDiff(ours[name], expected.data);
        if (expected.dtype === 'int64' || name === 'past_mask') expect(diff, name).toBe(0);
        else expect(diff, name).toBeLessThan(golden.tolerance.inputs_max_abs_diff);
      }
      const [forecast] = await runner.forecast([item]);
      const expected = c.outputs['quantiles'];
      const [, H, T, Q] = expected.shape;
      meta.targets.forEach((metric, m) => {
        const [lo, hi] = meta.value_ranges[metric];
        const clip = (v: number) => Math.min(hi ?? Infinity, Math.max(lo, v));
        (['p10', 'p50', 'p90'] as const).forEach((q, k) => {
          const want = Array.from({ length: H }, (_, h) =>
            clip(expected.data[(h * T + m) * Q + meta.quantiles.indexOf([0.1, 0.5, 0.9][k])]),
          );
          expect(maxAbsDiff(forecast.quantiles[metric][q], want), `${metric} ${q}`).toBeLessThan(golden.tolerance.outputs_max_abs_diff);
        });
      });
    },
  );

  it('forecasts 1,000 servers in one batched call with ordered quantiles and drivers', async () => {
    const meta = runner.metadata;
    const items = fleet(1000, meta);
    const forecasts = await runner.forecast(items);
    expect(forecasts).toHaveLength(1000);
    let violations = 0;
    for (const f of forecasts) {
      for (const metric of meta.targets) {
        const { p10, p50, p90 } = f.quantiles[metric];
        expect(p50).toHaveLength(96);
        for (let h = 0; h < 96; h++) if (!(p10[h] <= p50[h] && p50[h] <= p90[h])) violations++;
      }
    }
    expect(violations).toBe(0);
    const cpu = forecasts[0].quantiles.cpu_percent.p50;
    expect(Math.min(...cpu)).toBeGreaterThan(0);
    expect(Math.max(...cpu)).toBeLessThan(100);
    expect(forecasts[0].drivers?.encoder.length).toBe(meta.encoder_variables.length);
    const sum = forecasts[0].drivers!.encoder.reduce((a, d) => a + d.weight, 0);
    expect(sum).toBeCloseTo(1, 4);
  });

  it("pipelines calls over earlier calls' memory and forecasts what one unsplit call does", async () => {
    // 4 calls of 128, 128, 128 and 16 servers; the third and fourth are built over the first two's
    // memory, whose rows had other encoder lengths, profiles and origins
    const short = fleet(400, runner.metadata).reverse();
    const reused = await runner.forecast(short);
    const fresh = await TftRunner.load(MODEL_DIR, { thread: 'inline', pipeline: 1 });
    try {
      expect(reused).toEqual(await fresh.forecast(short));
    } finally {
      await fresh.release();
    }
  });

  it('keeps the event loop free while the worker thread runs a large batch', async () => {
    const items = fleet(1024, runner.metadata);
    const gaps = async (r: TftRunner) => {
      let last = performance.now();
      let maxGap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 2);
      const started = performance.now();
      await r.forecast(items);
      clearInterval(timer);
      maxGap = Math.max(maxGap, performance.now() - last);
      return { maxGap, duration: performance.now() - started };
    };
    const inline = await TftRunner.load(MODEL_DIR, {
      thread: 'inline',
      batchSize: 4096,
    });
    const worker = await TftRunner.load(MODEL_DIR, { batchSize: 4096 });
    try {
      const blocked = await gaps(inline);
      const free = await gaps(worker);
      // inline, one call holds the thread for most of the forecast; on the worker only input building
      // and decoding do
      expect(blocked.maxGap).toBeGreaterThan(blocked.duration * 0.5);
      expect(free.maxGap).toBeLessThan(free.duration * 0.5);
    } finally {
      await Promise.all([inline.release(), worker.release()]);
    }
  });
});

describe('TftRunner load failures', () => {
  it('rejects a corrupt model file with the onnxruntime error and leaves no thread behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tft-corrupt-'));
    cpSync(MODEL_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), 'not an onnx file');
    await expect(TftRunner.load(dir)).rejects.toThrow(/protobuf|parse|load/i);
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Servers with 12..144 steps of daily-sine history on the model's grid. */
function fleet(n: number, meta: TftRunner['metadata']) {
  const t0 = Date.UTC(2025, 0, 6) / 1000;
  return Array.from({ length: n }, (_, s) => {
    const steps = 12 + (s % meta.max_encoder_length);
    const series = binSamples(
      Array.from({ length: steps }, (_, i) => {
        const cpu = 40 + 20 * Math.sin((2 * Math.PI * (i + s)) / 288) + (s % 7);
        return {
          time: t0 + i * 300,
          values: [cpu, 50 + (s % 30), 40 + i * 0.01, (cpu / 100) * 8],
        };
      }),
      meta.step_seconds,
    )!;
    return { series, profileIndex: s % meta.profile_vocabulary.length };
  });
}
