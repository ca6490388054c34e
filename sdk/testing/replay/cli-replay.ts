import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommandArgs, UsageError } from '../../../collector/cli-args';
import { optionsFromConfig } from '../config-file';
import { startTestCollector, type TestCollectorOptions } from '../test-collector';
import { DEFAULT_IGNORED_EVENTS, DEFAULT_IGNORED_PATHS, diffRuns } from './diff';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';
import { driveSteps } from './drive';
import { emitSpec } from './emit';
import { planSteps } from './plan';
import { formatReport } from './report';
import { listSessions, readSession } from './session';

const USAGE = `Usage: touchpoint replay --session ID --base-url URL [--data DIR] [options]
       touchpoint replay --session ID --base-url URL --emit FILE
       touchpoint replay --list [--data DIR]

Drives Chromium through a recorded session (page views, clicks, form submits) against a site,
captures the tracking it produces with a test collector, and prints what differs from the
recording, step by step. Exit code 1 when something differs.

  --session ID          context.session.id of the session (see --list, or the live view /debug)
  --base-url URL        the site to replay against: the recorded paths are opened on it
  --data DIR            the collector's data folder (default ./data)
  --emit FILE           write the session as a Playwright test with the tracking fixture instead
  --ignore PATHS        more paths to leave out, comma-separated (always: ${DEFAULT_IGNORED_PATHS.join(', ')})
  --ignore-events NAMES more event names to leave out, comma-separated (always: ${DEFAULT_IGNORED_EVENTS.join(', ')})
  --write-key KEY       the write key the site sends (default: demo)
  --config FILE         the collector's config: its write keys and tracking plan check the replay
  --chromium PATH       the browser (default: Playwright's Chromium, else /usr/bin/chromium)
  --list                the sessions in the data folder, most recent first
`;

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function httpUrl(text: string | undefined, name: string): string {
  if (text === undefined) throw new UsageError(`--${name} is required`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${name} must be an http(s) URL, got "${text}"`);
  return url.href;
}

function dataFolder(path: string): string {
  if (!existsSync(join(path, 'events')) || !statSync(join(path, 'events')).isDirectory()) {
    throw new UsageError(`no events at ${join(path, 'events')} (the collector's dataDir; pass --data DIR)`);
  }
  return path;
}

export async function run(argv: string[]): Promise<void> {
  const args = parseCommandArgs(argv, {
    session: { type: 'string' },
    'base-url': { type: 'string' },
    data: { type: 'string', default: './data' },
    emit: { type: 'string' },
    ignore: { type: 'string' },
    'ignore-events': { type: 'string' },
    'write-key': { type: 'string' },
    config: { type: 'string' },
    chromium: { type: 'string' },
    list: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dataDir = dataFolder(args.data!);
  if (args.list) {
    for (const s of await listSessions(dataDir)) {
      process.stdout.write(
        `${s.id}  ${s.start}  ${String(s.events).padStart(4)} events  anon ${s.anonymousId ?? '-'}${s.userId ? `  user ${s.userId}` : ''}  ${s.firstUrl ?? ''}\n`,
      );
    }
    return;
  }
  const sessionId = args.session?.trim();
  if (!sessionId) throw new UsageError('--session ID is required (the context.session.id of the session; --list shows them)');
  if (sessionId.length > 256) throw new UsageError('--session must be at most 256 characters');
  const baseUrl = httpUrl(args['base-url'], 'base-url');
  const ignorePaths = [...DEFAULT_IGNORED_PATHS, ...list(args.ignore)];
  const ignoreEvents = [...DEFAULT_IGNORED_EVENTS, ...list(args['ignore-events'])];

  const events = await readSession(dataDir, sessionId);
  if (events.length === 0) throw new UsageError(`no events of session ${sessionId} in ${dataDir}`);
  const steps = planSteps(events);
  const recordedOrigin = originOf(steps) ?? new URL(baseUrl).origin;
  // The session ends with the user leaving its last page when the recording says so.
  const leaveAtEnd = (steps.at(-1)?.expected ?? []).some((e) => e.event === 'Page Left');

  if (args.emit !== undefined) {
    await writeFile(args.emit, emitSpec(steps, { sessionId, baseUrl, recordedOrigin, ignoreEvents, ignorePaths, leaveAtEnd }));
    process.stdout.write(`wrote ${args.emit}: session ${sessionId}, ${steps.length} steps, ${events.length} events\n`);
    return;
  }

  const playwright = await import('@playwright/test').catch(() => {
    throw new Error('replay drives Chromium with Playwright: npm install --save-dev @playwright/test');
  });
  const executablePath = chromiumPath(
    args.chromium,
    safely(() => playwright.chromium.executablePath()),
  );
  if (!executablePath) throw new Error('no Chromium found: run `npx playwright install chromium`, or pass --chromium PATH');

  const collectorOptions: TestCollectorOptions = {
    ...(args.config !== undefined && optionsFromConfig(args.config)),
    ...(args['write-key'] !== undefined && { writeKeys: [{ key: args['write-key'] }] }),
  };
  const collector = await startTestCollector(collectorOptions);
  const browser = await playwright.chromium.launch({ executablePath, args: CHROMIUM_ARGS }).catch(async (error: Error) => {
    await collector.close();
    throw new Error(`cannot start Chromium at ${executablePath}: ${error.message.split('\n')[0]}`);
  });
  try {
    process.stdout.write(
      `Replaying session ${sessionId} (${events.length} events, ${steps.length} steps, recorded on ${recordedOrigin}) against ${new URL(baseUrl).origin}\n\n`,
    );
    const runs = await driveSteps(steps, { baseUrl, collector, browser, leaveAtEnd });
    const findings = diffRuns(runs, { ignoreEvents, ignorePaths, recordedOrigin, replayOrigin: new URL(baseUrl).origin });
    process.stdout.write(`${formatReport(runs, findings)}\n`);
    const invalid = collector.bad();
    if (invalid.length > 0) process.stdout.write(`${invalid.length} event(s) were rejected by the collector: ${invalid.map((r) => r.reason).join('; ')}\n`);
    if (findings.length > 0 || runs.some((r) => r.status === 'skipped') || invalid.length > 0) process.exitCode = 1;
  } finally {
    await browser.close();
    await collector.close();
  }
}

function originOf(steps: readonly { url: string }[]): string | undefined {
  for (const { url } of steps) {
    try {
      return new URL(url).origin;
    } catch {
      // no URL on this step: try the next
    }
  }
  return undefined;
}

function safely(fn: () => string): string {
  try {
    return fn();
  } catch {
    return '';
  }
}
