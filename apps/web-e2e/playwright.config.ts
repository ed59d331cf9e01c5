import { defineConfig } from '@playwright/test';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * Browser end-to-end tests of the ops console against the real daemons: global-setup.ts starts the
 * built api, generator and console server (apps/web-server) on free ports. Debian's chromium, never a download.
 */
export default defineConfig({
  testDir: './src',
  outputDir: join(root, 'dist', 'e2e-results'),
  globalSetup: './src/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1400, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
