import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './sdk/testing/replay/chromium';

// Browser journeys run in Debian's Chromium against the real collector built into dist/.
// Playwright cannot download its own browsers here; `.ci/ensure-chromium.sh` installs Debian's.
// E2E_PORT lets two checkouts run their journeys side by side on one machine.
export const E2E_PORT = Number(process.env.E2E_PORT ?? 18765);
export const E2E_DATA_DIR = '.tmp/e2e-data';

export default defineConfig({
  testDir: 'examples',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: process.env.CI ? 'line' : 'list',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        ...CHROMIUM_ARGS, // no sandbox, no GPU, pages on other origins may reach loopback
        // Subdomains of one site for the cross-subdomain cookie test, all served by the collector.
        '--host-resolver-rules=MAP *.touchpoint.test 127.0.0.1',
      ],
    },
  },
  webServer: {
    command: 'node dist/collector/server.js',
    url: `http://127.0.0.1:${E2E_PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 20_000,
    env: { PORT: String(E2E_PORT), HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: E2E_DATA_DIR, LOG_LEVEL: 'warn' },
  },
});
