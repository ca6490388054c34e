// `npm pack` of @touchpoint/collector: the demo shop the collector serves at `/` lives in the repo's
// examples/shop; the package carries a copy at the same place relative to its root (postpack removes it).
import { cpSync, rmSync } from 'node:fs';

const here = new URL('./', import.meta.url);
if (process.argv.includes('--clean')) rmSync(new URL('examples', here), { recursive: true, force: true });
else cpSync(new URL('../examples/shop', here), new URL('examples/shop', here), { recursive: true });
