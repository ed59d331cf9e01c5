import type { Server } from 'node:http';
import { LOOPBACK_HOST } from '@tft/api-keys';
import type { WebServerConfig } from './config/web-server-config';
import { createWebServer } from './web-server';

/** Where the console server writes: `info` to stdout, `problem` (refusals, unreachable daemons) to stderr. */
export interface WebServerLog {
  info(line: string): void;
  problem(line: string): void;
}

/** What the server says once it listens: where the console is, and who can reach it. */
export function startupLines(config: WebServerConfig, port: number): string[] {
  const { host, options } = config;
  return [
    `ops console on http://localhost:${port} (api ${options.apiUrl}, generator ${options.generatorUrl})`,
    host === LOOPBACK_HOST
      ? 'web-server: listening on 127.0.0.1 only (set WEB_HOST=0.0.0.0 to listen on every interface)'
      : `web-server: listening on ${host}; anyone who can reach it can read and use the scenario buttons${options.apiKey ? ' with the configured key' : ''}`,
  ];
}

/**
 * Starts the console server on `config`, serving `defaultRoot` unless WEB_ROOT named another folder;
 * resolves once it listens (after the startup lines), rejects when it cannot (a port in use).
 */
export function listenWebServer(config: WebServerConfig, defaultRoot: string, log: WebServerLog): Promise<Server> {
  const server = createWebServer({
    ...config.options,
    root: config.options.root ?? defaultRoot,
    log: (line) => log.problem(`web-server: ${line}`),
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      for (const line of startupLines(config, port)) log.info(line);
      resolve(server);
    });
  });
}
