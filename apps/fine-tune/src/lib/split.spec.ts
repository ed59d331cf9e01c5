import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryTooShortError, historyExtent, planSplit, splitHistory } from './split';

const MODEL = { stepSeconds: 300, horizon: 96, maxEncoder: 288 };
const T0 = Date.UTC(2026, 0, 5) / 1000;
const DAY = 86_400;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

describe('planSplit: the most recent part of the history, held out from training', () => {
  it('holds out a share of the span on the step grid, and starts the held-out file a day of encoder before the cut', () => {
    const last = T0 + 14 * DAY - 300; // 14 days of steps: 4,032
    const p = planSplit(T0, last, { share: 0.2 }, MODEL, 12);
    expect(p.heldOutSteps).toBe(806);
    expect(p.cut).toBe(T0 + 14 * DAY - 806 * 300);
    expect(p.trainingSteps).toBe(4032 - 806);
    expect(p.contextStart).toBe(p.cut - DAY);
    expect([p.first, p.last]).toEqual([T0, last]);
  });

  it('takes a length too, rounded up to whole steps, and puts off-grid rows on their step', () => {
    const p = planSplit(T0 + 17, T0 + 10 * DAY - 1, { seconds: 2 * DAY + 1 }, MODEL, 12);
    expect(p.heldOutSteps).toBe(577);
    expect(p.cut).toBe(T0 + 10 * DAY - 577 * 300);
    expect(p.first).toBe(T0);
  });

  it('refuses a held-out part too short for the backtest and a training part under three days, naming what is missing', () => {
    // 96 steps of horizon + 3 more origins every 12 steps + 1 = 133 steps
    expect(() => planSplit(T0, T0 + 10 * DAY - 300, { seconds: 132 * 300 }, MODEL, 12)).toThrow(
      /the held-out part is 132 steps, the backtest needs at least 133 \(a 96-step horizon after 4 origins every 12 steps\)/,
    );
    expect(planSplit(T0, T0 + 10 * DAY - 300, { seconds: 133 * 300 }, MODEL, 12).heldOutSteps).toBe(133);
    expect(() => planSplit(T0, T0 + 4 * DAY - 300, { share: 0.3 }, MODEL, 12)).toThrow(HistoryTooShortError);
    expect(() => planSplit(T0, T0 + 4 * DAY - 300, { share: 0.3 }, MODEL, 12)).toThrow(
      /the history runs 2026-01-05T00:00:00Z to 2026-01-09T00:00:00Z \(4\.0 days\): 2\.8 days before the held-out part; fine-tuning needs at least 3 days/,
    );
  });
});

describe('splitHistory', () => {
  it('streams rows before the cut into the training file and rows from the context start into the held-out file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fine-tune-split-'));
    const history = join(dir, 'history.csv');
    const header = 'timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile';
    const rows: string[] = [];
    for (let i = 0; i < 6 * 288; i++) {
      rows.push(`${iso(T0 + i * 300)},ppdb-01,${i % 100},50,40,1,database`);
      if (i >= 5 * 288) rows.push(`${iso(T0 + i * 300 + 60)},late-1,5,,,,`); // a server that only appears in the last day
    }
    writeFileSync(history, `${header}\n${rows.join('\n')}\n`);
    const extent = await historyExtent(history);
    expect(extent).toEqual({ first: T0, last: T0 + (6 * 288 - 1) * 300 + 60, rows: 6 * 288 + 288, servers: 2 });
    const plan = planSplit(extent.first, extent.last, { seconds: DAY }, MODEL, 12);
    expect(plan.cut).toBe(T0 + 5 * DAY);
    const counts = await splitHistory(history, plan, join(dir, 'training.csv'), join(dir, 'held-out.csv'));
    expect(counts).toEqual({ trainingRows: 5 * 288, heldOutRows: 2 * 288 + 288, heldOutServers: 2 });
    const training = readFileSync(join(dir, 'training.csv'), 'utf8').trim().split('\n');
    const heldOut = readFileSync(join(dir, 'held-out.csv'), 'utf8').trim().split('\n');
    expect(training[0]).toBe(header);
    expect(heldOut[0]).toBe(header);
    expect(training.at(-1)).toBe(`${iso(T0 + 5 * DAY - 300)},ppdb-01,${(5 * 288 - 1) % 100},50,40,1,database`);
    expect(heldOut[1]).toBe(`${iso(T0 + 4 * DAY)},ppdb-01,${(4 * 288) % 100},50,40,1,database`);
    rmSync(dir, { recursive: true, force: true });
  });
});
