import { eventName } from '../../../collector/pipeline/feed';
import type { TrackedEvent } from '../expectation';
import { pathOnOrigin } from './origin';
import type { Step } from './plan';
import { describeStep } from './report';

export interface EmitOptions {
  sessionId: string;
  /** The default base URL of the spec (`REPLAY_BASE_URL` overrides it). */
  baseUrl: string;
  recordedOrigin: string;
  ignoreEvents: readonly string[];
  ignorePaths: readonly string[];
  /** Close the last page at the end, as the user did (then its `Page Left` is expected too). */
  leaveAtEnd: boolean;
  /** Where the spec imports the fixture from. */
  importFrom?: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Recorded text in a comment: one line, and it cannot close anything. */
const comment = (text: string) => text.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/\*\//g, '* /');

/**
 * A value as TypeScript source: ignored paths become `expect.any(...)`, URLs of the recorded site
 * are built from the run's origin, everything else is a literal.
 */
function literal(value: unknown, path: string, options: EmitOptions): string {
  if (options.ignorePaths.includes(path)) {
    return typeof value === 'string' ? 'expect.any(String)' : typeof value === 'number' ? 'expect.any(Number)' : 'expect.anything()';
  }
  if (typeof value === 'string') {
    const rest = pathOnOrigin(value, options.recordedOrigin);
    return rest === undefined ? JSON.stringify(value) : `origin + ${JSON.stringify(rest)}`;
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => literal(v, `${path}.${i}`, options)).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${literal(v, `${path}.${k}`, options)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return value === undefined ? 'undefined' : (JSON.stringify(value) ?? 'null');
}

function assertion(event: TrackedEvent, options: EmitOptions): string {
  if (event.type === 'page') {
    const page = (event.context?.page ?? {}) as { path?: unknown };
    const pattern: Record<string, unknown> = { type: 'page', ...(event.name !== undefined && { name: event.name }) };
    if (typeof page.path === 'string') pattern.context = { page: { path: page.path } };
    return `await expect(tracking).toHaveTracked(${literal(pattern, '', options)});`;
  }
  const name = eventName(event) ?? event.type;
  const properties = (event.properties ?? {}) as Record<string, unknown>;
  const args = Object.keys(properties).length > 0 ? `, ${literal(properties, 'properties', options)}` : '';
  return `await expect(tracking).toHaveTracked(${JSON.stringify(name)}${args});`;
}

function action(step: Step, first: boolean): string[] {
  const path = (() => {
    try {
      const url = new URL(step.url);
      return url.pathname + url.search + url.hash;
    } catch {
      return '/';
    }
  })();
  switch (step.kind) {
    case 'goto':
      return [`await page.goto(${JSON.stringify(path)}${first && step.referrer ? `, { referer: ${JSON.stringify(step.referrer)} }` : ''});`];
    case 'click':
      return [`await page.locator(${JSON.stringify(step.selector)}).click();`];
    case 'submit':
      return [`await page.locator(${JSON.stringify(step.selector)}).evaluate((form) => (form as HTMLFormElement).requestSubmit());`];
  }
}

/** The session as a Playwright test with the `tracking` fixture, for QA to commit and edit. */
export function emitSpec(steps: readonly Step[], options: EmitOptions): string {
  const ignored = new Set(options.ignoreEvents);
  const kept = (events: readonly TrackedEvent[]) => events.filter((e) => !ignored.has(eventName(e) ?? ''));
  const viewport = steps.find((s) => s.viewport)?.viewport;
  const events = steps.flatMap((s) => kept(s.expected));
  const lines: string[] = [
    `// Session ${comment(options.sessionId)}, recorded ${steps[0]?.at ?? ''} on ${comment(options.recordedOrigin)}: ${steps.length} steps, ${events.length} events.`,
    '// Written by `touchpoint replay --emit`; edit it freely. Against another build of the site:',
    '//   REPLAY_BASE_URL=https://staging.example.com npx playwright test <this file>',
    `import { expect, test } from ${JSON.stringify(options.importFrom ?? 'touchpoint/testing')};`,
    '',
    `test.use({ baseURL: process.env.REPLAY_BASE_URL ?? ${JSON.stringify(options.baseUrl)}${viewport ? `, viewport: { width: ${viewport.width}, height: ${viewport.height} }` : ''} });`,
    '',
    `test(${JSON.stringify(`session ${options.sessionId} tracks as recorded`)}, async ({ page, tracking, baseURL }) => {`,
    '  const origin = new URL(baseURL!).origin;',
  ];
  const last = steps.at(-1);
  for (const step of steps) {
    lines.push('', `  // step ${step.number}: ${comment(describeStep(step))}`);
    lines.push(...action(step, step.number === 1).map((l) => `  ${l}`));
    const expected = kept(step.expected);
    // What the last page sends as it is left comes only once it is closed.
    const [now, onLeave] = step === last && options.leaveAtEnd ? split(expected) : [expected, []];
    for (const event of now) lines.push(`  ${assertion(event, options)}`);
    if (onLeave.length > 0) {
      lines.push('  await page.close({ runBeforeUnload: true });');
      for (const event of onLeave) lines.push(`  ${assertion(event, options)}`);
    }
  }
  lines.push('', `  await expect(tracking).toHaveTrackedInOrder(${JSON.stringify(events.map((e) => eventName(e) ?? e.type))});`);
  lines.push('  await expect(tracking).toHaveNoInvalidEvents();', '});', '');
  return lines.join('\n');
}

/** The last step's events before the page was left, and from `Page Left` on. */
function split(events: TrackedEvent[]): [TrackedEvent[], TrackedEvent[]] {
  const at = events.findIndex((e) => eventName(e) === 'Page Left');
  return at < 0 ? [events, []] : [events.slice(0, at), events.slice(at)];
}
