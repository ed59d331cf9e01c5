import { Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ApiEvents } from '../snapshot/api-events';
import { ChangeFeed } from './change-feed';

/** The change feed as a projection of the read model's publishes: each pass that changed something, and each alert that fired or resolved. */
@Injectable()
export class LiveFeed implements OnApplicationShutdown {
  readonly feed: ChangeFeed;

  constructor(events: ApiEvents, @Optional() feed = new ChangeFeed()) {
    this.feed = feed;
    events.on('fleet.published', ({ pass, alerts }) => {
      feed.announce('pass', pass);
      for (const alert of alerts) feed.announce('alert', alert);
    });
    // event streams never go idle by themselves
    events.on('app.stopping', () => feed.close());
  }

  onApplicationShutdown(): void {
    this.feed.close();
  }
}
