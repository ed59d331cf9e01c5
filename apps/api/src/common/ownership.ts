/**
 * Which servers this process forecasts. A single process forecasts every server it holds; in cluster
 * mode a replica forecasts only the servers of the partitions it leases, and only once it has replayed
 * them from the metrics log, so no partition is ever forecast by two replicas or from half its history.
 */
export interface Ownership {
  forecasts(server: string): boolean;
}

export const OWNERSHIP = Symbol('OWNERSHIP');

export const EVERY_SERVER: Ownership = { forecasts: () => true };
