import { defineConfig } from '@playwright/test';
import suite from '../../playwright.config';

// Runs the specs `touchpoint replay --emit` wrote into .tmp/qa-replay, as a team would run one it
// committed: against the site at REPLAY_BASE_URL, with the suite's Chromium.
export default defineConfig({
  testDir: '../../.tmp/qa-replay',
  testMatch: '**/*.spec.ts',
  // Its own results folder: a run cleans its folder first, and the suite's run is still going.
  outputDir: '../../.tmp/qa-replay-results',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: 'line',
  use: { launchOptions: suite.use?.launchOptions },
});
