/**
 * Which publishes' alert state is in the forecasts bucket. A publish is known by its share token (the
 * delivery's publish generation when its entries were sent); its webhook notifications may go once
 * every entry sent up to it is stored: no send with a token at or below it still under way, and no
 * server whose entry failed since then still waiting for a later one to land.
 */
export class ShareLedger<T> {
  /** Tokens of the sends under way, with how many sends carry each. */
  private readonly underWay = new Map<number, number>();
  /**
   * Servers whose newest entry did not reach the bucket: the oldest token whose state is missing
   * there, and the newest entry to send again (with the token it was made at).
   */
  private readonly unshared = new Map<string, { since: number; token: number; entry: T }>();

  begin(token: number): void {
    this.underWay.set(token, (this.underWay.get(token) ?? 0) + 1);
  }

  /** A send ended: its servers that reached the bucket are shared, the others wait for a later send. */
  end(token: number, outcomes: Iterable<[server: string, entry: T, stored: boolean]>): void {
    for (const [server, entry, stored] of outcomes) {
      const before = this.unshared.get(server);
      if (stored) {
        // a later send carried this server, so the bucket holds its state as of a publish after the failure
        if (before && before.since <= token) this.unshared.delete(server);
      } else if (!before) this.unshared.set(server, { since: token, token, entry });
      else {
        before.since = Math.min(before.since, token);
        this.supersede(server, token, entry);
      }
    }
    const left = (this.underWay.get(token) ?? 1) - 1;
    if (left > 0) this.underWay.set(token, left);
    else this.underWay.delete(token);
  }

  /** The newest entry of each server whose state is not in the bucket: a send carries them again. */
  *pending(): IterableIterator<[server: string, entry: T]> {
    for (const [server, { entry }] of this.unshared) yield [server, entry];
  }

  /** A newer entry for an unshared server is on its way: a retry sends that one, never an older one. */
  supersede(server: string, token: number, entry: T): void {
    const before = this.unshared.get(server);
    if (before && token >= before.token) {
      before.token = token;
      before.entry = entry;
    }
  }

  /** A server this replica no longer forecasts: its state is its next owner's business. */
  forget(server: string): void {
    this.unshared.delete(server);
  }

  /** The newest token whose publish and every one before it are in the bucket, given the delivery's current one. */
  sharedThrough(current: number): number {
    let lowest = current + 1;
    for (const token of this.underWay.keys()) lowest = Math.min(lowest, token);
    for (const { since } of this.unshared.values()) lowest = Math.min(lowest, since);
    return lowest - 1;
  }
}
