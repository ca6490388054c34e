import { v4 as uuidv4 } from 'uuid';
import { getCookie, setCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import type { CollectorEnv } from '../../hono-env';

export interface DeviceIdOptions {
  name: string;
  domain?: string;
  maxAgeDays: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A device id in a first-party HttpOnly cookie set by the server: Safari caps cookies written by
 * script at 7 days, not these. Only meaningful when the collector answers on the site's own domain.
 */
export function deviceId({ name, domain, maxAgeDays }: DeviceIdOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const existing = getCookie(c, name);
    const id = existing && UUID.test(existing) ? existing : uuidv4();
    c.set('deviceId', id);
    await next();
    // Refresh the expiry on every visit, as a first-party analytics cookie does.
    setCookie(c, name, id, {
      httpOnly: true,
      secure: new URL(c.req.url).protocol === 'https:',
      sameSite: 'Lax',
      path: '/',
      maxAge: maxAgeDays * 86_400,
      ...(domain && { domain }),
    });
  };
}
