import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiEvents } from './snapshot/api-events';

/** How long in-flight requests get after SIGTERM before their connections are cut. */
const SHUTDOWN_GRACE_MS = 30_000;

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (a POST still arriving is
 * stored and answered), then close the app (the store closes and checkpoints its WAL) and exit 0.
 * Nest's own shutdown hooks would close the store before the HTTP server and fail such a request.
 * A second signal kills the process at once.
 */
export function stopGracefullyOnSignals(app: NestExpressApplication): void {
  const stop = (signal: NodeJS.Signals): void => {
    Logger.log(`${signal}: finishing in-flight requests, then closing the store`, 'Api');
    const server = app.getHttpServer() as Server;
    // event streams never go idle by themselves: their owners end them
    app.get(ApiEvents).emit('app.stopping');
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      app.close().then(
        () => {
          Logger.log('stopped cleanly', 'Api');
          process.exit(0);
        },
        (err: Error) => {
          Logger.error(`shutdown failed: ${err.message}`, 'Api');
          process.exit(1);
        },
      );
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
