import { describe, expect, it } from 'vitest';
import { FleetModel, profileSplit, type FleetSample } from './fleet-model';

const START = Date.UTC(2025, 0, 6) / 1000; // Monday 00:00 UTC
const STEP = 300;

/** Per-server series of one metric sampled every `step` seconds for `hours`. */
function series(
  fleet: FleetModel,
  hours: number,
  step = STEP,
  from = START,
): Map<string, FleetSample[]> {
  const out = new Map<string, FleetSample[]>();
  for (let t = from; t < from + hours * 3600; t += step) {
    for (const s of fleet.sampleAt(t)) {
      const list = out.get(s.server.name) ?? [];
      list.push(s);
      out.set(s.server.name, list);
    }
  }
  return out;
}

function lag1(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i] - mean) ** 2;
    if (i > 0) num += (xs[i] - mean) * (xs[i - 1] - mean);
  }
  return num / den;
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('FleetModel', () => {
  it('splits 20 servers over the seven profiles with the original prefixes', () => {
    expect(profileSplit(20)).toEqual({
      ml_compute: 3,
      database: 3,
      web_api: 5,
      conductor_mgmt: 2,
      data_ingest: 3,
      risk_analytics: 2,
      generic: 2,
    });
    const fleet = new FleetModel({ servers: 20, seed: 1 });
    expect(fleet.servers.map((s) => s.name).slice(0, 4)).toEqual([
      'ppml0001',
      'ppml0002',
      'ppml0003',
      'ppdb0001',
    ]);
    expect(new Set(fleet.servers.map((s) => s.name)).size).toBe(20);
    expect(profileSplit(1000)).toMatchObject({ web_api: 250, generic: 100 });
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const take = (seed: number) =>
      series(new FleetModel({ servers: 8, seed }), 6)
        .get('ppweb0001')!
        .map((s) => s.cpu_percent);
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
  });

  it('keeps a server identical whatever the fleet size, and servers of a profile independent', () => {
    const small = series(new FleetModel({ servers: 20, seed: 3 }), 12).get(
      'ppweb0002',
    )!;
    const large = series(new FleetModel({ servers: 60, seed: 3 }), 12).get(
      'ppweb0002',
    )!;
    expect(large.map((s) => s.cpu_percent)).toEqual(
      small.map((s) => s.cpu_percent),
    );

    const fleet = series(new FleetModel({ servers: 40, seed: 3 }), 48);
    const a = fleet.get('ppweb0001')!.map((s) => s.cpu_percent);
    const b = fleet.get('ppweb0002')!.map((s) => s.cpu_percent);
    const diffs = a
      .slice(0, Math.min(a.length, b.length))
      .map((x, i) => x - b[i]);
    // Same profile shares the daily shape; what is left (the noise) must not be the same stream.
    expect(diffs.filter((d) => Math.abs(d) < 1e-9).length).toBeLessThan(5);
    expect(Math.abs(lag1(diffs))).toBeLessThan(0.999);
  });

  it('keeps every metric in its contract range', () => {
    const all = [
      ...series(new FleetModel({ servers: 40, seed: 11 }), 72).values(),
    ].flat();
    const values = (pick: (s: FleetSample) => number) => all.map(pick);
    for (const pick of [
      (s: FleetSample) => s.cpu_percent,
      (s: FleetSample) => s.memory_percent,
      (s: FleetSample) => s.disk_percent,
    ]) {
      expect(Math.min(...values(pick))).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values(pick))).toBeLessThanOrEqual(100);
    }
    const load = values((s) => s.load_average);
    expect(Math.min(...load)).toBeGreaterThanOrEqual(0);
    expect(load.every(Number.isFinite)).toBe(true);
    expect(all.length).toBeGreaterThan(40 * 864 * 0.95);
  });

  it('gives cpu autocorrelated noise at 5-minute steps (lag-1 typically 0.5 to 0.95)', () => {
    const fleet = series(new FleetModel({ servers: 20, seed: 5 }), 48);
    const acs = [...fleet.values()].map((list) =>
      lag1(list.map((s) => s.cpu_percent)),
    );
    expect(median(acs)).toBeGreaterThan(0.5);
    expect(median(acs)).toBeLessThan(0.97);
    expect(Math.min(...acs)).toBeGreaterThan(0.3);
  });

  it('has a daily cycle: web servers peak in the afternoon, well above the night', () => {
    const fleet = series(new FleetModel({ servers: 40, seed: 9 }), 5 * 24); // Monday..Friday
    const byHour = Array.from({ length: 24 }, () => [] as number[]);
    for (const [name, list] of fleet) {
      if (!name.startsWith('ppweb')) continue;
      for (const s of list)
        byHour[Math.floor((s.time % 86400) / 3600)].push(s.cpu_percent);
    }
    const meanAt = (h: number) =>
      byHour[h].reduce((a, b) => a + b, 0) / byHour[h].length;
    expect(meanAt(14) - meanAt(3)).toBeGreaterThan(10);
  });

  it('lets load follow cpu', () => {
    const list = series(new FleetModel({ servers: 20, seed: 4 }), 48).get(
      'ppdb0001',
    )!;
    const cpu = list.map((s) => s.cpu_percent);
    const load = list.map((s) => s.load_average);
    const mc = cpu.reduce((a, b) => a + b) / cpu.length;
    const ml = load.reduce((a, b) => a + b) / load.length;
    let cov = 0;
    let vc = 0;
    let vl = 0;
    cpu.forEach((c, i) => {
      cov += (c - mc) * (load[i] - ml);
      vc += (c - mc) ** 2;
      vl += (load[i] - ml) ** 2;
    });
    expect(cov / Math.sqrt(vc * vl)).toBeGreaterThan(0.8);
  });

  it('grows disk usage slowly and cleans it up', () => {
    const list = series(
      new FleetModel({ servers: 20, seed: 2 }),
      30 * 24,
      3600,
    ).get('ppetl0001')!;
    const disk = list.map((s) => s.disk_percent);
    const rises = disk.slice(1).filter((d, i) => d > disk[i]).length;
    const bigDrops = disk.slice(1).filter((d, i) => disk[i] - d > 10).length;
    expect(rises / disk.length).toBeGreaterThan(0.6);
    expect(bigDrops).toBeGreaterThan(0);
  });

  it('visits the incident states and makes problem servers more incident-prone', () => {
    const fleet = new FleetModel({ servers: 100, seed: 21 });
    const all = series(fleet, 14 * 24, 600);
    const rate = (problem: boolean) => {
      const names = fleet.servers
        .filter((s) => s.problem === problem)
        .map((s) => s.name);
      const samples = names.flatMap((n) => all.get(n) ?? []);
      return samples.filter((s) => s.incident).length / samples.length;
    };
    const states = new Set([...all.values()].flat().map((s) => s.state));
    expect(states).toEqual(
      new Set([
        'idle',
        'healthy',
        'morning_spike',
        'heavy_load',
        'critical_issue',
        'maintenance',
        'recovery',
      ]),
    );
    const problems = fleet.servers.filter((s) => s.problem).length;
    expect(problems).toBeGreaterThan(3);
    expect(problems).toBeLessThan(20);
    expect(rate(true)).toBeGreaterThan(2 * rate(false));
  });

  it('applies a scenario only to the stable affected set, with a ramp instead of a jump', () => {
    const make = () =>
      new FleetModel({ servers: 20, seed: 13, scenarioRampSeconds: 600 });
    const base = make();
    const hit = make();
    expect([...hit.affected]).toEqual([...base.affected]);
    expect(hit.affected.size).toBe(3);
    const t0 = START + 12 * 3600;
    for (let t = START; t < t0; t += 30) {
      base.sampleAt(t);
      hit.sampleAt(t);
    }
    hit.setScenario('critical', t0);
    /** Mean cpu of the affected servers (scenario / baseline) over [from, to), and unaffected equality. */
    const window = (from: number, to: number) => {
      let a = 0;
      let b = 0;
      for (let t = from; t < to; t += 30) {
        const before = new Map(
          base.sampleAt(t).map((s) => [s.server.name, s.cpu_percent]),
        );
        for (const s of hit.sampleAt(t)) {
          if (hit.affected.has(s.server.name)) {
            a += before.get(s.server.name) as number;
            b += s.cpu_percent;
          } else {
            expect(s.cpu_percent).toBe(before.get(s.server.name));
          }
        }
      }
      return b / a;
    };
    const early = window(t0, t0 + 120); // first fifth of the ramp
    const mid = window(t0 + 240, t0 + 360);
    const late = window(t0 + 900, t0 + 1500); // ramp done
    expect(early).toBeGreaterThan(1);
    expect(early).toBeLessThan(1.15);
    expect(mid).toBeGreaterThan(early);
    expect(late).toBeGreaterThan(mid);
    expect(late).toBeGreaterThan(1.35);
  });

  it('fills disks and leaks memory on the affected set under disk_fill and memory_leak', () => {
    const fleet = new FleetModel({
      servers: 20,
      seed: 17,
      scenarioRampSeconds: 0,
    });
    const name = [...fleet.affected][0];
    fleet.setScenario('disk_fill', START);
    const list = series(fleet, 10, 300).get(name)!;
    expect(list.at(-1)!.disk_percent - list[0].disk_percent).toBeGreaterThan(
      25,
    );

    const leaky = new FleetModel({
      servers: 20,
      seed: 17,
      scenarioRampSeconds: 0,
    });
    leaky.setScenario('memory_leak', START);
    const mem = series(leaky, 24, 300)
      .get(name)!
      .map((s) => s.memory_percent);
    const restarts = mem.slice(1).filter((m, i) => mem[i] - m > 15).length;
    expect(Math.max(...mem)).toBeGreaterThan(88);
    expect(restarts).toBeGreaterThan(0);
  });
});
