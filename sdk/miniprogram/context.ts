import type { Context } from '../protocol/types';
import { enterOptions, type EnterOptions, type Host } from './host';
import type { Network } from './lifecycle';

interface PageLike {
  route?: string;
  __route__?: string;
  options?: Record<string, unknown>;
}
declare const getCurrentPages: (() => PageLike[]) | undefined;

export const routeOf = (page: PageLike | undefined) => page?.route ?? page?.__route__ ?? '';
export const urlOf = (path: string, query: Record<string, unknown> = {}) => {
  const search = Object.keys(query)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(`${query[k]}`)}`)
    .join('&');
  return search ? `${path}?${search}` : path;
};
const safely = <T>(read: () => T) => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

export interface MiniContext {
  (): Context;
  /** The app came to the front with these options (a new entry: scene and query change). */
  entered(options: EnterOptions): void;
}

/**
 * The context of each call. What cannot change while the app runs (device, OS, screen, locale,
 * app id, host version) is read once; the entry (launch or latest show) and the page on top of
 * the stack are read at each call, the page before it becoming the referrer.
 */
export function miniContext(host: Host, network: Network): MiniContext {
  const { api } = host;
  const info = safely(() => api.getSystemInfoSync?.()) ?? {};
  const account = safely(() => api.getAccountInfoSync?.().miniProgram) ?? safely(() => api.getEnvInfoSync?.().microapp);
  const [osName, osVersion] = `${info.system ?? info.platform ?? ''}`.split(' ');
  const fixed: Context = {
    device: { manufacturer: info.brand, model: info.model, type: 'mobile' },
    os: { name: osName, version: osVersion },
    screen: { width: info.screenWidth as number, height: info.screenHeight as number, density: info.pixelRatio as number },
    locale: info.language as string,
  };
  let entry = enterOptions(safely(() => (api.getEnterOptionsSync ?? api.getLaunchOptionsSync)?.()));
  let route = '';
  let referrer: string | undefined;
  const context = ((): Context => {
    const page = safely(() => getCurrentPages?.().slice(-1)[0]);
    const path = routeOf(page);
    if (path !== route) [referrer, route] = [route || undefined, path];
    const networkType = network.type();
    return {
      ...fixed,
      ...(networkType && { network: { wifi: networkType === 'wifi', cellular: /[2-5]g|wwan/.test(networkType) } }),
      ...(path && { page: { path, url: urlOf(path, page?.options), ...(referrer && { referrer }) } }),
      miniprogram: {
        platform: host.platform,
        appId: account?.appId ?? '',
        scene: entry.scene,
        path: entry.path,
        query: entry.query,
        ...(entry.referrerAppId && { referrerAppId: entry.referrerAppId }),
        hostVersion: `${info.version ?? ''}`,
        sdkVersion: `${info.SDKVersion ?? ''}`,
      },
    };
  }) as unknown as MiniContext;
  context.entered = (options) => (entry = options);
  api.onAppShow?.((raw) => context.entered(enterOptions(raw)));
  return context;
}
