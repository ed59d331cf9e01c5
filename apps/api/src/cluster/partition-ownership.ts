import type { Ownership } from '../common/ownership';
import { partitionOf } from './partitions';

/**
 * The partitions this replica leases, and which of them it has replayed from the metrics log. It
 * forecasts a server only when both hold; reads of a server it does not own go to its owner.
 */
export class PartitionOwnership implements Ownership {
  private readonly owned = new Set<number>();
  private readonly ready = new Set<number>();

  constructor(readonly partitions: number) {}

  partitionOf(server: string): number {
    return partitionOf(server, this.partitions);
  }

  owns(server: string): boolean {
    return this.owned.has(this.partitionOf(server));
  }

  forecasts(server: string): boolean {
    return this.ready.has(this.partitionOf(server));
  }

  take(partition: number): void {
    this.owned.add(partition);
  }

  markReady(partition: number): void {
    if (this.owned.has(partition)) this.ready.add(partition);
  }

  /** Still leased, no longer forecast: a partition about to be given away. */
  stopForecasting(partition: number): void {
    this.ready.delete(partition);
  }

  give(partition: number): void {
    this.owned.delete(partition);
    this.ready.delete(partition);
  }

  ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  readyPartitions(): number[] {
    return [...this.ready].sort((a, b) => a - b);
  }
}
