import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

/**
 * The replica's NATS connection. It reconnects by itself, every second, for as long as it takes;
 * meanwhile `connected` is false, writes are refused with 503 and reads serve what the replica holds.
 */
export class ClusterConnection {
  private readonly logger = new Logger('Cluster');
  connected = true;
  private readonly reconnectListeners: (() => void)[] = [];

  private constructor(
    /** Samples and forecasts: the bulk of the traffic. */
    readonly nc: NatsConnection,
    /** Leases and requests between replicas, on a connection of their own so that a burst of forecasts never delays a lease renewal. */
    readonly control: NatsConnection,
    readonly url: string,
  ) {
    void this.follow();
  }

  static async open(url: string, replicaId: string): Promise<ClusterConnection> {
    new Logger('Cluster').log(`connecting to NATS at ${url} as replica ${replicaId}`);
    const open = (role: string) =>
      connect({
        servers: url.split(','),
        name: `tft-api ${replicaId} ${role}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
        waitOnFirstConnect: true,
      });
    const [nc, control] = await Promise.all([open('data'), open('control')]);
    return new ClusterConnection(nc, control, url);
  }

  private async follow(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' && this.connected) {
        this.connected = false;
        this.logger.warn(`lost NATS at ${this.url}: writes get 503 until it is back; reconnecting`);
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.logger.log(`NATS at ${this.url} is back`);
        for (const listener of this.reconnectListeners) listener();
      }
    }
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    for (const c of [this.nc, this.control]) if (!c.isClosed()) await c.drain().catch(() => c.close());
  }
}
