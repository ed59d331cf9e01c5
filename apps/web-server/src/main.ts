import { join } from 'node:path';
import { ConfigError, loadWebConfig } from './config/web-server-config';
import { listenWebServer } from './listen';

/** The console this app serves by default: built beside it, dist/apps/web/browser. */
const DEFAULT_ROOT = join(__dirname, '..', 'web', 'browser');

async function main(): Promise<void> {
  let config;
  try {
    config = loadWebConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`web-server: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  let server;
  try {
    server = await listenWebServer(config, DEFAULT_ROOT, { info: (line) => console.log(line), problem: (line) => console.error(line) });
  } catch (err) {
    process.stderr.write(`web-server: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const stop = () => {
    server.close(() => process.exit(0));
    // Keep-alive browser connections would hold close() open.
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
