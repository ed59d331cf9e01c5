import { describe, expect, it } from 'vitest';
import { fairShare, planLeases, type Lease, type LeaseAction, type LeaseView } from './lease-plan';
import { partitionOf } from './partitions';

const TTL = 10_000;

/**
 * A lease table and replicas on a fake clock: each round every live replica plans from the table as
 * it is and applies its actions with compare-and-set, in turn, as they would against the KV bucket.
 */
class Cluster {
  now = 0;
  private revision = 0;
  readonly leases: (Lease | null)[];
  readonly alive = new Set<string>();

  constructor(readonly partitions: number) {
    this.leases = Array.from({ length: partitions }, () => null);
  }

  /** Applies one action if its revision still matches; false when another replica got there first. */
  private apply(self: string, a: LeaseAction): boolean {
    const current = this.leases[a.partition];
    if ((current?.revision ?? null) !== a.revision) return false;
    this.leases[a.partition] = a.kind === 'release' ? null : { owner: self, expiresAt: this.now + TTL, revision: ++this.revision };
    return true;
  }

  round(stepMs = 3000): void {
    this.now += stepMs;
    for (const self of [...this.alive]) {
      const view: LeaseView = { self, now: this.now, partitions: this.partitions, leases: this.leases, replicas: [...this.alive] };
      for (const a of planLeases(view)) this.apply(self, a);
    }
  }

  /** Partitions per owner among live leases. */
  owners(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of this.leases) if (l && l.expiresAt > this.now) out[l.owner] = (out[l.owner] ?? 0) + 1;
    return out;
  }

  /** Live leases with no owner among the replicas that are alive, and partitions nobody holds. */
  orphans(): number {
    return this.leases.filter((l) => !l || l.expiresAt <= this.now).length;
  }
}

describe('partitionOf', () => {
  it('is stable and spreads names evenly', () => {
    expect(partitionOf('ppdb0001', 16)).toBe(partitionOf('ppdb0001', 16));
    // FNV-1a of "a" is 0xe40c292c
    expect(partitionOf('a', 1 << 30)).toBe(0xe40c292c % (1 << 30));
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf(`ppweb${String(i).padStart(5, '0')}`, 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});

describe('fairShare', () => {
  it('splits partitions evenly, the first ids in order taking the remainder', () => {
    expect(Object.fromEntries(fairShare(['c', 'a', 'b'], 16))).toEqual({ a: 6, b: 5, c: 5 });
    expect(Object.fromEntries(fairShare(['a'], 16))).toEqual({ a: 16 });
  });
});

describe('planLeases on a fake clock', () => {
  it('gives three replicas that start together a fair share each, every partition owned once', () => {
    const c = new Cluster(16);
    for (const r of ['r1', 'r2', 'r3']) c.alive.add(r);
    for (let i = 0; i < 3; i++) c.round();
    expect(c.owners()).toEqual({ r1: 6, r2: 5, r3: 5 });
    expect(c.orphans()).toBe(0);
  });

  it("hands a lost replica's partitions to the others once its leases expire", () => {
    const c = new Cluster(16);
    for (const r of ['r1', 'r2', 'r3']) c.alive.add(r);
    for (let i = 0; i < 3; i++) c.round();
    c.alive.delete('r2'); // kill -9: it renews nothing more
    c.round(); // 3 s: its leases are still live, nobody takes them
    expect(c.owners()['r2']).toBe(5);
    for (let i = 0; i < 4; i++) c.round(); // past the 10 s TTL
    expect(c.owners()).toEqual({ r1: 8, r3: 8 });
    expect(c.orphans()).toBe(0);
  });

  it('lets a replica that joins take its share back without stealing a live lease', () => {
    const c = new Cluster(16);
    c.alive.add('r1');
    c.alive.add('r3');
    for (let i = 0; i < 3; i++) c.round();
    expect(c.owners()).toEqual({ r1: 8, r3: 8 });
    c.alive.add('r2');
    const seen: Record<string, number>[] = [];
    for (let i = 0; i < 4; i++) {
      c.round();
      seen.push(c.owners());
    }
    expect(c.owners()).toEqual({ r1: 6, r2: 5, r3: 5 });
    // never two owners at once: the live leases always number at most 16, each partition one owner
    for (const s of seen) expect(Object.values(s).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(16);
  });

  it('renews a lease of its own that lapsed while nobody took it, once, instead of dropping it', () => {
    const c = new Cluster(4);
    c.alive.add('solo');
    c.round();
    const late = c.now + 2 * TTL; // the round came far too late: every lease of its own has expired
    const actions = planLeases({ self: 'solo', now: late, partitions: 4, leases: c.leases, replicas: ['solo'] });
    expect(actions).toEqual(c.leases.map((l, p) => ({ kind: 'renew', partition: p, revision: (l as Lease).revision })));
    // one another replica took meanwhile is not its own any more, and that one is short of its share
    const taken = c.leases.map((l, p) => (p === 0 ? { owner: 'other', expiresAt: late + TTL, revision: 99 } : l));
    const after = planLeases({ self: 'solo', now: late, partitions: 4, leases: taken, replicas: ['solo', 'other'] });
    expect(after.map((a) => `${a.kind} ${a.partition}`)).toEqual(['renew 1', 'renew 2', 'release 3']);
  });

  it('keeps a lone replica on every partition and renews them on their revision', () => {
    const c = new Cluster(4);
    c.alive.add('solo');
    c.round();
    const actions = planLeases({ self: 'solo', now: c.now + 1000, partitions: 4, leases: c.leases, replicas: ['solo'] });
    expect(actions.map((a) => a.kind)).toEqual(['renew', 'renew', 'renew', 'renew']);
    expect(actions[2]).toEqual({ kind: 'renew', partition: 2, revision: (c.leases[2] as Lease).revision });
  });
});
