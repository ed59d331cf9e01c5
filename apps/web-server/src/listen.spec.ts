import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWebConfig } from './config/web-server-config';
import { listenWebServer, startupLines } from './listen';

describe('startupLines', () => {
  it('says where the console is and that it listens on loopback only by default', () => {
    expect(startupLines(loadWebConfig({}), 8501)).toEqual([
      'ops console on http://localhost:8501 (api http://127.0.0.1:8000, generator http://127.0.0.1:8001)',
      'web-server: listening on 127.0.0.1 only (set WEB_HOST=0.0.0.0 to listen on every interface)',
    ]);
  });

  it('warns who can use it when told to listen elsewhere, and that the key goes with it', () => {
    expect(startupLines(loadWebConfig({ WEB_HOST: '0.0.0.0' }), 80)[1]).toBe(
      'web-server: listening on 0.0.0.0; anyone who can reach it can read and use the scenario buttons',
    );
    expect(startupLines(loadWebConfig({ WEB_HOST: '0.0.0.0', API_KEY: 'key-one-111' }), 80)[1]).toBe(
      'web-server: listening on 0.0.0.0; anyone who can reach it can read and use the scenario buttons with the configured key',
    );
  });
});

describe('listenWebServer', () => {
  const servers: Server[] = [];
  const dirs: string[] = [];

  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function builtConsole(html: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'web-server-listen-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), html);
    return dir;
  }

  it('listens where told, serves the default console, logs the port it got and prefixes problems', async () => {
    const info: string[] = [];
    const problems: string[] = [];
    const config = loadWebConfig({ WEB_PORT: '0', GENERATOR_URL: 'http://127.0.0.1:9' });
    const server = await listenWebServer(config, builtConsole('default'), {
      info: (line) => info.push(line),
      problem: (line) => problems.push(line),
    });
    servers.push(server);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(address).toMatchObject({ address: '127.0.0.1' });
    expect(info).toEqual(startupLines(config, port));
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('default');
    expect((await fetch(`http://127.0.0.1:${port}/generator/health`)).status).toBe(502);
    expect(problems).toEqual(['web-server: generator unreachable at http://127.0.0.1:9: ECONNREFUSED']);
  });

  it('serves WEB_ROOT instead of the default when set', async () => {
    const server = await listenWebServer(loadWebConfig({ WEB_PORT: '0', WEB_ROOT: builtConsole('configured') }), builtConsole('default'), {
      info: () => undefined,
      problem: () => undefined,
    });
    servers.push(server);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(await (await fetch(`http://127.0.0.1:${port}/servers/x`)).text()).toBe('configured');
  });

  it('rejects when the port is taken', async () => {
    const quiet = { info: () => undefined, problem: () => undefined };
    const first = await listenWebServer(loadWebConfig({ WEB_PORT: '0' }), builtConsole('a'), quiet);
    servers.push(first);
    const address = first.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await expect(listenWebServer(loadWebConfig({ WEB_PORT: String(port) }), builtConsole('b'), quiet)).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
