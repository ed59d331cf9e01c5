/** Who holds a partition, until when, and the KV revision a compare-and-set must name. */
export interface Lease {
  owner: string;
  /** Epoch ms; a lease not renewed by then is free to take. */
  expiresAt: number;
  revision: number;
}

export interface LeaseView {
  self: string;
  now: number;
  partitions: number;
  /** Per partition (index), its lease record, or null where none was ever written or it was released. */
  leases: readonly (Lease | null)[];
  /** Replicas whose presence is current, self included. */
  replicas: readonly string[];
}

/** What a replica does to the lease table this round; each is one compare-and-set on `revision`. */
export type LeaseAction =
  | { kind: 'renew'; partition: number; revision: number }
  | { kind: 'claim'; partition: number; revision: number | null }
  | { kind: 'release'; partition: number; revision: number };

/**
 * Partitions each replica should hold: an even share, the first `partitions % replicas` of them (in id
 * order) holding one more, so that every replica computes the same targets from the same view.
 */
export function fairShare(replicas: readonly string[], partitions: number): Map<string, number> {
  const ids = [...new Set(replicas)].sort();
  const base = Math.floor(partitions / ids.length);
  return new Map(ids.map((id, i) => [id, base + (i < partitions % ids.length ? 1 : 0)]));
}

const live = (lease: Lease | null, now: number): boolean => lease !== null && lease.expiresAt > now;

/**
 * One round of lease upkeep for `self`. It renews what it holds; claims free or expired partitions
 * (lowest first) up to its fair share; and, above its share while another live replica is below
 * its own, releases its highest partitions so that one can take them: a replica that joins gets its
 * share back without any lease being stolen. The compare-and-set on each action's revision makes two
 * replicas acting on the same view safe: one wins, the other sees a changed revision next round.
 */
export function planLeases(view: LeaseView): LeaseAction[] {
  const { self, now, partitions, leases } = view;
  const targets = fairShare([...view.replicas, self], partitions);
  const held = new Map<string, number[]>();
  for (let p = 0; p < partitions; p++) {
    const lease = leases[p] ?? null;
    // a lease of our own that lapsed while nobody took it is still ours to renew (the compare-and-set
    // on its revision fails if someone did): a late round must not drop and replay a partition
    if (lease && (live(lease, now) || lease.owner === self)) held.set(lease.owner, [...(held.get(lease.owner) ?? []), p]);
  }
  const mine = held.get(self) ?? [];
  const target = targets.get(self) ?? 0;
  const actions: LeaseAction[] = [];
  const someoneShort = [...targets].some(([id, t]) => id !== self && (held.get(id)?.length ?? 0) < t);
  const keep = mine.length > target && someoneShort ? mine.slice(0, target) : mine;
  for (const p of mine) {
    const revision = (leases[p] as Lease).revision;
    actions.push(keep.includes(p) ? { kind: 'renew', partition: p, revision } : { kind: 'release', partition: p, revision });
  }
  let wanted = target - keep.length;
  for (let p = 0; p < partitions && wanted > 0; p++) {
    const lease = leases[p] ?? null;
    if (live(lease, now) || lease?.owner === self) continue;
    actions.push({ kind: 'claim', partition: p, revision: lease?.revision ?? null });
    wanted--;
  }
  return actions;
}
