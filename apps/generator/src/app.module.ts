import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { apiKeyGuard } from '@tft/api-keys/nest';
import { GENERATOR_CONFIG, type GeneratorConfig } from './config/generator-config';
import { CLOCK, systemClock, type Clock } from '@tft/contracts';
import { FleetModule } from './fleet/fleet.module';
import { HealthController } from './health/health.controller';
import { ScenariosModule } from './scenarios/scenarios.module';
import { FEED_SINK, HttpFeedSink, type FeedSink } from './stream/feed-sink';
import { StreamModule } from './stream/stream.module';

/** Side effects that tests replace: the wall clock and the api the stream posts to. */
export interface GeneratorDeps {
  clock?: Clock;
  sink?: FeedSink;
}

@Module({})
export class AppModule {
  static forRoot(config: GeneratorConfig, deps: GeneratorDeps = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [ScheduleModule.forRoot(), FleetModule, ScenariosModule, StreamModule],
      controllers: [HealthController],
      providers: [
        { provide: GENERATOR_CONFIG, useValue: config },
        { provide: CLOCK, useValue: deps.clock ?? systemClock },
        apiKeyGuard({
          keys: config.apiKeys,
          readsRequireKey: false,
          realm: 'tft-generator',
        }),
        {
          provide: FEED_SINK,
          useValue: deps.sink ?? new HttpFeedSink(config.apiUrl, config.apiKey),
        },
      ],
      exports: [GENERATOR_CONFIG, CLOCK, FEED_SINK],
    };
  }
}
