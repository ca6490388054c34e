import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = 'touchpoint-repo';
const PACKAGE = '@touchpoint/collector';

function nameAt(dir: string): string | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  } catch {
    return undefined; // no readable package.json here
  }
}

/**
 * The folder holding `dist/touchpoint.min.js` and `examples/shop/`: the repo's root in a checkout
 * (from source, from dist/ or from the collector package's dist/ alike), else the installed
 * `@touchpoint/collector` package, which carries both at the same places.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let installed: string | undefined;
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const name = nameAt(dir);
    if (name === REPO) return dir;
    if (name === PACKAGE) installed ??= dir;
    if (dirname(dir) === dir) {
      if (installed) return installed;
      throw new Error(`touchpoint's package.json not found above ${from}`);
    }
  }
}
