/** The per-server reads a replica answers for the servers it owns (cluster mode). */
export type OwnerReadKind = 'detail' | 'drivers' | 'accuracy';

/**
 * Cluster mode's part in the per-server reads whose data only the owner holds (a server's history,
 * what drives its forecast, its own track record): a server another replica owns is answered by that
 * owner, and this replica answers the others' with the functions given to `answer`. A port the reading
 * modules use and cluster mode provides, so none of them imports the cluster.
 */
export interface OwnerReads {
  /** The owner's body for `kind` of `server` (`query`: the read's own parameters); null when the owner knows no such server. */
  fromOwner(kind: OwnerReadKind, server: string, query?: string): Promise<Buffer | null>;
  /** How this replica answers other replicas' `kind` reads of the servers it owns; null: no such server here. */
  answer(kind: OwnerReadKind, read: (server: string, query: string) => Promise<Buffer | null> | Buffer | null): void;
}

export const OWNER_READS = Symbol('OWNER_READS');
