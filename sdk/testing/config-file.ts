import { UsageError } from '../../collector/cli-args';
import { ConfigError, loadConfig } from '../../collector/config';
import type { TestCollectorOptions } from './test-collector';

/** The settings of a collector config that decide what is accepted and how it is enriched. */
const KEPT = ['writeKeys', 'trackingPlan', 'dedup', 'bots', 'ip', 'geo', 'deviceCookie', 'pii', 'channels', 'limits'] as const;

/** A test collector set up as the real one in `file` (its sinks, ports and storage aside). */
export function optionsFromConfig(file: string): TestCollectorOptions {
  try {
    const settings = loadConfig({ TOUCHPOINT_CONFIG: file });
    const options: TestCollectorOptions = {};
    for (const key of KEPT) if (settings[key] !== undefined) Object.assign(options, { [key]: settings[key] });
    return options;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}
