import { PROFILE_PREFIXES, type Profile } from '@tft/contracts';
import type { FeedDataDto } from '@tft/api-client';
import { fillBodies, IngestStream } from './bodies';
import { makeFleet } from './fleet';

const parse = (body: string) => (JSON.parse(body) as FeedDataDto).records;

describe('IngestStream', () => {
  const fleet = makeFleet(3, 1);
  const t0 = Date.UTC(2026, 10, 20) / 1000;

  it('never repeats a (server, second): every record of every body is new', () => {
    const stream = new IngestStream(fleet, t0, 4, 5, 1);
    const bodies = [stream.next(), stream.next(), stream.next()];
    const keys = bodies.flatMap(parse).map((r) => `${r.server_name}@${r.timestamp}`);
    expect(keys).toHaveLength(12);
    expect(new Set(keys).size).toBe(12);
    expect(stream.emitted).toBe(12);
    // record k = server k mod 3 at slot k div 3 of a 5 s clock
    expect(keys.slice(0, 5)).toEqual([
      'ppml-00000@2026-11-20T00:00:00Z',
      'ppdb-00001@2026-11-20T00:00:00Z',
      'ppweb-00002@2026-11-20T00:00:00Z',
      'ppml-00000@2026-11-20T00:00:05Z',
      'ppdb-00001@2026-11-20T00:00:05Z',
    ]);
    expect(new Set(bodies).size).toBe(3);
  });

  it('writes records that fit the ingest contract', () => {
    for (const r of parse(new IngestStream(makeFleet(50, 2), t0, 500, 5, 3).next())) {
      expect(r.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      for (const v of [r.cpu_percent, r.memory_percent, r.disk_percent]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }
      expect(r.load_average).toBeGreaterThanOrEqual(0);
      expect(r.status).toBe('healthy');
      expect(r.server_name.startsWith(PROFILE_PREFIXES[r.profile as Profile])).toBe(true);
    }
  });
});

describe('fillBodies', () => {
  it('back-fills every server step by step in batches, skipping only gap steps, ending on the last step', () => {
    const fleet = makeFleet(40, 5);
    const lastStep = Date.UTC(2026, 10, 20, 12) / 1000;
    const batches = [
      ...fillBodies(fleet, {
        lastStep,
        steps: 288,
        stepSeconds: 300,
        batch: 1000,
        seed: 1,
      }),
    ];
    expect(batches.slice(0, -1).every((b) => b.count === 1000)).toBe(true);
    const records = batches.flatMap((b) => parse(b.body));
    expect(records.length).toBe(batches.reduce((a, b) => a + b.count, 0));
    const byServer = new Map<string, string[]>();
    for (const r of records) byServer.set(r.server_name, [...(byServer.get(r.server_name) ?? []), r.timestamp]);
    expect(byServer.size).toBe(40);
    const gappy = fleet.filter((s) => s.gapEvery > 0).map((s) => s.name);
    for (const [name, times] of byServer) {
      expect(new Set(times).size).toBe(times.length);
      expect(times.at(-1)).toBe('2026-11-20T12:00:17Z');
      expect(times[0] >= '2026-11-19T12:05:00Z').toBe(true); // 287 steps before the last
      if (gappy.includes(name)) expect(times.length).toBeLessThan(288);
      else expect(times.length).toBe(288);
    }
    expect(gappy.length).toBeGreaterThan(0);
  });
});
