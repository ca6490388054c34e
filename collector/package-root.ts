import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding touchpoint's package.json, from source (vitest) or from dist/ alike. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'touchpoint') return dir;
    } catch {
      // no readable package.json here: keep walking up
    }
    if (dirname(dir) === dir) throw new Error(`touchpoint's package.json not found above ${from}`);
  }
}
