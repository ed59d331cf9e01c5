import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { GENERATOR_CONFIG, type GeneratorConfig } from '../config/generator-config';
import { StreamService } from './stream.service';

/** Runs the `stream-tick` job every `tickSeconds` when streaming is on. */
@Injectable()
export class StreamScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Stream');

  constructor(
    @Inject(GENERATOR_CONFIG) private readonly config: GeneratorConfig,
    private readonly registry: SchedulerRegistry,
    private readonly stream: StreamService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.stream) {
      this.logger.log('streaming off (--no-stream): scenario API only');
      return;
    }
    const { servers, speed, backfillSeconds } = this.config;
    this.logger.log(
      `streaming ${servers} servers to ${this.stream.status().target} at ${speed}x` +
        (backfillSeconds ? ` after a ${backfillSeconds / 3600} h backfill` : ''),
    );
    const timer = setInterval(() => void this.stream.tick(), this.config.tickSeconds * 1000);
    this.registry.addInterval('stream-tick', timer);
  }

  onApplicationShutdown(): void {
    if (this.registry.doesExist('interval', 'stream-tick')) this.registry.deleteInterval('stream-tick');
  }
}
