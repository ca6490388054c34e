export { ConfigError, loadConfig, parseSettings } from './load';
export type { CollectorSettings, CollectorSettingsInput, SinkConfig, WriteKeyConfig } from './schema';

export const DEMO_WRITE_KEY = 'demo';
