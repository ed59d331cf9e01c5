import type { KV } from '@nats-io/kv';
import type { Clock } from '@tft/contracts';
import { planLeases, type Lease, type LeaseAction } from './lease-plan';

export interface LeaseKeeperOptions {
  self: string;
  partitions: number;
  /** How long a lease or a presence lasts without renewal. */
  ttlMs: number;
}

interface LeaseValue {
  owner: string;
  expiresAt: number;
}

const leaseKey = (p: number) => `p.${p}`;
const presenceKey = (id: string) => `r.${id}`;

/**
 * Keeps this replica's partition leases in a JetStream KV bucket: each round it announces its
 * presence, reads the table, plans with planLeases and applies each action as a compare-and-set on
 * the revision it read, so that of two replicas racing for a partition exactly one wins. Times in the
 * values are the writer's clock: replicas need clocks that agree to well within the TTL.
 */
export class LeaseKeeper {
  private owned = new Set<number>();
  private table: readonly (Lease | null)[] = [];
  private members = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly kv: KV,
    private readonly clock: Clock,
    private readonly options: LeaseKeeperOptions,
  ) {}

  /** The partitions this replica held after the last round. */
  get partitions(): ReadonlySet<number> {
    return this.owned;
  }

  /** Per partition, its lease as the last round read it (before that round's own actions). */
  get leases(): readonly (Lease | null)[] {
    return this.table;
  }

  /** The live replicas of the last round and what each announced with its presence. */
  get replicas(): ReadonlyMap<string, Record<string, unknown>> {
    return this.members;
  }

  /**
   * One round, announcing `info` with this replica's presence; returns the partitions held afterwards.
   * `beforeRelease` runs (and is awaited) before this replica releases partitions it still holds.
   */
  async round(
    info: Record<string, unknown> = {},
    beforeRelease: (partitions: number[]) => Promise<void> = async () => undefined,
  ): Promise<ReadonlySet<number>> {
    const { self, partitions, ttlMs } = this.options;
    const now = this.clock.now();
    await this.kv.put(presenceKey(self), JSON.stringify({ ...info, expiresAt: now + ttlMs }));
    const leases = await Promise.all(Array.from({ length: partitions }, (_, p) => this.readLease(p)));
    this.members = await this.liveReplicas(now);
    const owned = new Set<number>();
    // one key each, so they go together: a busy event loop makes every sequential round trip slower
    const actions = planLeases({ self, now, partitions, leases, replicas: [...this.members.keys()] });
    const releasing = actions.filter((a) => a.kind === 'release').map((a) => a.partition);
    if (releasing.length) await beforeRelease(releasing);
    const applied = await Promise.all(actions.map((action) => this.apply(action, now + ttlMs)));
    actions.forEach((action, i) => {
      if (applied[i] && action.kind !== 'release') owned.add(action.partition);
    });
    this.table = leases;
    this.owned = owned;
    return owned;
  }

  /** Gives up every lease and the presence at once (a graceful stop), so others need not wait for the TTL. */
  async releaseAll(): Promise<void> {
    for (const p of this.owned) {
      const lease = await this.readLease(p);
      if (lease?.owner === this.options.self) await this.apply({ kind: 'release', partition: p, revision: lease.revision }, 0);
    }
    this.owned = new Set();
    await this.kv.delete(presenceKey(this.options.self));
  }

  private async readLease(p: number): Promise<Lease | null> {
    const entry = await this.kv.get(leaseKey(p));
    if (!entry || entry.operation !== 'PUT') return null;
    const value = entry.json<LeaseValue>();
    return { owner: value.owner, expiresAt: value.expiresAt, revision: entry.revision };
  }

  private async liveReplicas(now: number): Promise<Map<string, Record<string, unknown>>> {
    const live = new Map<string, Record<string, unknown>>();
    for await (const key of await this.kv.keys('r.*')) {
      const entry = await this.kv.get(key);
      if (entry?.operation !== 'PUT') continue;
      const { expiresAt, ...info } = entry.json<{ expiresAt: number } & Record<string, unknown>>();
      if (expiresAt > now) live.set(key.slice(2), info);
    }
    return live;
  }

  /** The compare-and-set of one action; false when the revision moved (another replica acted first). */
  private async apply(action: LeaseAction, expiresAt: number): Promise<boolean> {
    const key = leaseKey(action.partition);
    const value = JSON.stringify({ owner: this.options.self, expiresAt } satisfies LeaseValue);
    try {
      if (action.kind === 'release') await this.kv.delete(key, { previousSeq: action.revision });
      else if (action.revision === null) await this.kv.create(key, value);
      else await this.kv.update(key, value, action.revision);
      return true;
    } catch (err) {
      if (isWrongRevision(err)) return false;
      throw err;
    }
  }
}

/** JetStream's answer to a compare-and-set on a stale revision (error code 10071), or a create on a key that exists. */
function isWrongRevision(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /wrong last sequence|10071|key exists/i.test(message);
}
