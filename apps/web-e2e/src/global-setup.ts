import type { FleetSummaryDto, StatusDto } from '@tft/api-client';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_START, freePort, getJson, modelDir, requireBuilt, root, startService, stopService, tempDataDir, waitFor } from './services';

/**
 * Starts api + generator (20 servers, 24 h backfill, 60x, simulated time pinned at DEMO_START) + the console server on free ports, waits until
 * all 20 servers are forecast, and hands the URLs and the api's pid to the tests through env.
 * Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  requireBuilt();
  const [apiPort, generatorPort, webPort] = [await freePort(), await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const generatorUrl = `http://127.0.0.1:${generatorPort}`;
  const webUrl = `http://127.0.0.1:${webPort}`;
  const dataDir = tempDataDir();
  const model = modelDir();

  const api = startService('api', [join(root, 'dist', 'apps', 'api', 'main.js')], {
    API_PORT: String(apiPort),
    DATA_DIR: dataDir,
    SQLITE_SYNCHRONOUS: 'NORMAL',
    ...(model ? { MODEL_DIR: model } : {}),
  });
  const generator = startService(
    'generator',
    [join(root, 'dist', 'apps', 'generator', 'main.js'), '--servers', '20', '--backfill', '24h', '--speed', '60', '--start', DEMO_START],
    { GENERATOR_PORT: String(generatorPort), API_URL: apiUrl },
  );
  const web = startService('web-server', [join(root, 'dist', 'apps', 'web-server', 'main.js')], {
    WEB_PORT: String(webPort),
    API_URL: apiUrl,
    GENERATOR_URL: generatorUrl,
  });
  const children = [web, generator, api];
  const teardown = async () => {
    await Promise.all(children.map(stopService));
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitFor('the api', async () => (await fetch(`${apiUrl}/health`)).ok, 30_000);
    await waitFor('the generator', async () => (await fetch(`${generatorUrl}/health`)).ok, 30_000);
    await waitFor('the console server', async () => (await fetch(`${webUrl}/`)).ok, 10_000);
    await waitFor(
      '20 forecast servers',
      async () => {
        const summary = await getJson<FleetSummaryDto>(`${apiUrl}/fleet/summary?limit=1`);
        return summary.fleet.total_servers === 20;
      },
      90_000,
    );
    const status = await getJson<StatusDto>(`${apiUrl}/status`);
    console.log(
      `e2e: console ${webUrl}, api ${apiUrl} (${status.inference.model_type}` +
        `${status.inference.model_dir ? ` from ${status.inference.model_dir}` : ''}` +
        `${status.inference.model_error ? `; ${status.inference.model_error}` : ''}), generator ${generatorUrl}`,
    );
  } catch (e) {
    await teardown();
    throw e;
  }

  process.env['E2E_BASE_URL'] = webUrl;
  process.env['E2E_API_URL'] = apiUrl;
  process.env['E2E_GENERATOR_URL'] = generatorUrl;
  process.env['E2E_API_PID'] = String(api.pid);
  return teardown;
}
