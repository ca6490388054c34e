import { integerOption, parseCommandArgs, UsageError } from '../../collector/cli-args';
import { ConfigError } from '../../collector/config';
import { optionsFromConfig } from './config-file';
import { startTestCollector, type TestCollectorOptions } from './test-collector';

const USAGE = `Usage: touchpoint micro [--port N] [--host ADDR] [--config FILE] [--tracking-plan FILE]

A test collector for suites in any language: the collector's validation, tracking plan,
enrichment and de-dup, with events kept in memory.

  --port N              listening port (default 9090; 0 picks a free one)
  --host ADDR           listening address (default 127.0.0.1)
  --config FILE         the collector's JSON config: write keys, tracking plan, PII, bots, channels…
  --tracking-plan FILE  a tracking plan (overrides the config's)

  GET  /debug/events?status=good|bad|all&event=NAME&type=&anonymousId=&userId=   → {"good":[…],"bad":[…]}
  GET  /debug/wait?event=NAME&count=N&timeout=MS     → 200 {"events":[…]}, or 408 with those that came
  POST /debug/reset                                  → forget every event, end every fault
  POST /debug/fail  {"status":503,"times":3} | {"status":429,"retryAfter":2} | {"stall":5000} | {"refuse":true}
  POST /debug/heal                                   → end every fault
  GET  /debug                                        → the live view
`;

export async function run(argv: string[]): Promise<void> {
  const args = parseCommandArgs(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    'tracking-plan': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const options: TestCollectorOptions = {
    ...(args.config !== undefined && optionsFromConfig(args.config)),
    port: integerOption(args.port, 'port', { min: 0, max: 65535 }) ?? 9090,
    host: args.host ?? '127.0.0.1',
    logLevel: 'warn',
  };
  if (args['tracking-plan'] !== undefined) options.trackingPlan = args['tracking-plan'];

  const collector = await startTestCollector(options).catch((error: Error & { code?: string }) => {
    if (error.code === 'EADDRINUSE') throw new UsageError(`port ${options.port} on ${options.host} is in use (pass --port)`);
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  });
  process.stdout.write(`touchpoint micro: ${collector.url} (write key "${collector.writeKey}"); live view ${collector.url}/debug\n`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await collector.close();
}
