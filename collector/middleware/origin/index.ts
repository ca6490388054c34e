import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../../errors';
import type { CollectorEnv } from '../../hono-env';
import { miniprogramAppId } from './miniprogram';

/**
 * Browser keys only take requests from their allowed origins (CORS alone does not stop a
 * forged request, it only hides the answer), and, when they list mini-programs, only requests
 * from those app ids (mini-programs send no Origin: their host's Referer names the app). Runs
 * after auth; server keys are not checked.
 */
export function allowedOrigin(): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const source = c.get('source');
    const origin = c.req.header('origin');
    if (source.kind === 'browser' && origin && source.origins && !source.origins.has(origin)) {
      throw new HttpError(403, `origin ${origin} is not allowed for this write key`);
    }
    if (source.kind === 'browser' && !origin && source.miniprograms) {
      const appId = miniprogramAppId(c.req.header('referer'));
      if (appId && !source.miniprograms.has(appId)) throw new HttpError(403, `mini-program ${appId} is not allowed for this write key`);
    }
    await next();
  };
}
