import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { HttpError } from '../errors';

export interface StaticRoutesOptions {
  /** `touchpoint.min.js`; `touchpoint.full.min.js` is looked for beside it. */
  sdkBundlePath: string;
  demoPagePath: string;
}

/** First-party hosting of the script-tag SDK, and the demo shop. Read per request: both are small. */
export function staticRoutes({ sdkBundlePath, demoPagePath }: StaticRoutesOptions): Hono {
  const routes = new Hono();
  routes.get('/:file{touchpoint(\\.full)?\\.min\\.js}', async (c) => {
    const path = c.req.param('file') === 'touchpoint.min.js' ? sdkBundlePath : join(dirname(sdkBundlePath), 'touchpoint.full.min.js');
    const script = await readOr404(path, 'the SDK bundle is not built: run `npm run build`');
    return c.body(script, 200, {
      'content-type': 'application/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
    });
  });
  routes.get('/', async (c) => c.html(await readOr404(demoPagePath, 'no demo page at this collector')));
  return routes;
}

async function readOr404(path: string, message: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new HttpError(404, message);
  }
}
