import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ModelReloadService } from '../model-reload/model-reload.service';
import { ApiEvents } from '../snapshot/api-events';
import { ClusterConnection } from './cluster-connection';

/** Where a replica that swapped its model tells the others which version to serve. */
export const MODEL_SWAPPED_SUBJECT = 'tft.control.model-swapped';

interface SwappedMessage {
  replica: string;
  version: string;
}

/**
 * Cluster mode: a model reload on one replica (POST /model/reload, or its watch) reloads every replica
 * to the same version, so the fleet's forecasts come from one model. Each replica loads from its own
 * MODEL_DIR: the version folder must be there on every replica (a shared volume, or each deploy's copy).
 */
@Injectable()
export class ModelReloadRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Cluster');
  private subscription: Subscription | null = null;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly connection: ClusterConnection,
    private readonly reloads: ModelReloadService,
    private readonly events: ApiEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.events.on('model.swapped', ({ version, relayed }) => {
      if (relayed) return;
      const message: SwappedMessage = { replica: this.config.replicaId, version };
      this.connection.control.publish(MODEL_SWAPPED_SUBJECT, JSON.stringify(message));
    });
    this.subscription = this.connection.control.subscribe(MODEL_SWAPPED_SUBJECT, {
      callback: (err, msg) => {
        if (err) return;
        const { replica, version } = msg.json<SwappedMessage>();
        if (replica === this.config.replicaId) return;
        this.reloads.reload(version, true).then(
          () => this.logger.log(`serving model ${version}, as replica ${replica} does`),
          (e: Error) => this.logger.error(`replica ${replica} serves model ${version}, this one could not: ${e.message}`),
        );
      },
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
