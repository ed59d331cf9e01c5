import type { ClusterStatusDto, ServerStatusDto } from './dto/status.dto';

/** A server another replica owns, as its /status row (the owner's figures). */
export type RemoteServerStatus = Omit<ServerStatusDto, 'stale' | 'owner'> & { owner: string };

/**
 * What /status shows of cluster mode: this replica, its partitions and the servers others own. A port
 * the health module owns and cluster mode provides, so health does not import the cluster.
 */
export interface ClusterStatusSource {
  readonly replicaId: string;
  status(): ClusterStatusDto;
  remoteServers(): Iterable<RemoteServerStatus>;
}

export const CLUSTER_STATUS = Symbol('CLUSTER_STATUS');
