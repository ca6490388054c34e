import { existsSync } from 'node:fs';

/**
 * Chromium on a server, possibly as root: no sandbox, no GPU, no phoning home; and a page's
 * tracking may go to a test collector on loopback from a public origin, which newer Chromium
 * versions would hold for a local-network permission. The suite's Playwright config uses them too.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests',
];

/** Chromium for the replay: the given one, Playwright's own if installed, else the system's. */
export function chromiumPath(given: string | undefined, playwrightPath: string): string | undefined {
  if (given) return given;
  for (const candidate of [playwrightPath, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}
