import type { Lifecycle } from '../core/tracker';
import type { Host } from './host';

export interface Network {
  online(): boolean;
  /** `wifi`, `4g`…, lower case; '' until known. */
  type(): string;
  /** Calls back each time the network comes back. */
  onOnline(callback: () => void): void;
}

/** Connectivity from the host's network API: unknown counts as online, so nothing waits on a guess. */
export function watchNetwork({ api }: Host): Network {
  let connected = true;
  let type = '';
  const listeners: (() => void)[] = [];
  api.getNetworkType?.({
    success: (r) => {
      type = `${r.networkType}`.toLowerCase();
      connected = r.networkAvailable ?? (type !== 'none' && type !== 'notreachable');
    },
  });
  api.onNetworkStatusChange?.((r) => {
    const back = r.isConnected && !connected;
    connected = r.isConnected;
    type = `${r.networkType}`.toLowerCase();
    if (back) for (const listener of listeners) listener();
  });
  return { online: () => connected, type: () => type, onOnline: (callback) => listeners.push(callback) };
}

/**
 * Hidden: the app went to the background, where the platform suspends its JavaScript about 5 s
 * later and may kill it after. Resume: back in front, or back online.
 */
export function miniLifecycle({ api }: Host, network: Network): Lifecycle {
  return {
    onHidden: (callback) => api.onAppHide?.(callback),
    onResume(callback) {
      api.onAppShow?.(() => callback());
      network.onOnline(callback);
    },
  };
}
