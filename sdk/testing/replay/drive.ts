import type { Browser, Locator, Page } from '@playwright/test';
import type { TrackedEvent } from '../expectation';
import { redirectTracking } from '../redirect';
import { flushPages } from '../settle';
import type { TestCollector } from '../test-collector';
import type { Step } from './plan';

export interface StepRun {
  step: Step;
  /** `skipped`: the step could not be done (element gone, page unreachable); the replay carried on. */
  status: 'done' | 'skipped';
  /** What happened that a reader should know: why it was skipped, or how the element was found. */
  note?: string;
  /** What the site tracked while (and after) the step ran. */
  captured: TrackedEvent[];
}

export interface DriveOptions {
  /** The site to replay against: the recorded URLs' paths are opened on this origin. */
  baseUrl: string;
  /** Captures the tracking: the pages' tracking requests are sent to it. */
  collector: TestCollector;
  browser: Browser;
  /** Close the last page as the user did, so what it sends on leaving is captured. */
  leaveAtEnd: boolean;
}

const DEFAULT_VIEWPORT = { width: 1280, height: 720 };
const ACTION_TIMEOUT_MS = 5000;
const NAVIGATION_TIMEOUT_MS = 15_000;
const LEAVE_WAIT_MS = 3000;

/** The recorded URL's path, query and fragment on the replay's origin. */
export function mapUrl(recorded: string, baseUrl: string): string {
  const url = new URL(recorded);
  return new URL(url.pathname + url.search + url.hash, baseUrl).href;
}

function samePage(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.origin === y.origin && x.pathname === y.pathname && x.search === y.search;
  } catch {
    return false;
  }
}

const exactText = (text: string) => new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')}\\s*$`);

/** The element a click or submit was recorded on: by its selector, else by its text. */
async function findElement(page: Page, step: Step): Promise<{ locator?: Locator; note?: string }> {
  const bySelector = page.locator(step.selector!);
  const count = await bySelector.count();
  if (count === 1) return { locator: bySelector };
  if (step.text) {
    const candidates = (count > 1 ? bySelector : page.locator(/^[a-z][a-z0-9-]*$/.test(step.tag ?? '') ? step.tag! : '*')).filter({
      hasText: exactText(step.text),
    });
    const found = await candidates.count();
    if (found === 1)
      return {
        locator: candidates,
        note: count > 1 ? `${count} elements match the selector; took the one with its text` : 'not at its selector any more; found by its text',
      };
  }
  if (count > 1) return { locator: bySelector.first(), note: `${count} elements match the selector; clicked the first` };
  return { note: `element gone: nothing matches ${step.selector}${step.text ? ` or has the text "${step.text}"` : ''}` };
}

async function perform(page: Page, step: Step, baseUrl: string, previous: StepRun | undefined): Promise<string | undefined> {
  if (step.url === '') throw new Error('no page URL was recorded for this step');
  const target = mapUrl(step.url, baseUrl);
  if (step.kind === 'goto') {
    // The previous step already brought the browser here (a link, a route change): nothing to do.
    const arrived = previous?.captured.some((e) => e.type === 'page' && typeof e.context.page?.url === 'string' && samePage(e.context.page.url, target));
    if (arrived && samePage(page.url(), target)) {
      return 'already on this page: the previous step led here';
    }
    await page.goto(target, { referer: step.referrer, waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS });
    return undefined;
  }
  let note: string | undefined;
  if (page.url() === 'about:blank' || !samePage(page.url(), target)) {
    await page.goto(target, { waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS });
    note = `opened ${new URL(target).pathname} first: the recording shows the step there`;
  }
  const { locator, note: found } = await findElement(page, step);
  if (!locator) throw new Error(found);
  if (step.kind === 'click') await locator.click({ timeout: ACTION_TIMEOUT_MS });
  else await locator.evaluate((form) => (form as HTMLFormElement).requestSubmit(), undefined, { timeout: ACTION_TIMEOUT_MS });
  // A click may start a navigation: let the next page load before its tracking is read.
  await page.waitForLoadState('load', { timeout: NAVIGATION_TIMEOUT_MS }).catch(() => {});
  return [note, found].filter(Boolean).join('; ') || undefined;
}

/** Drives one browser context through the steps; each step's tracking is what arrived while it ran. */
export async function driveSteps(steps: readonly Step[], { baseUrl, collector, browser, leaveAtEnd }: DriveOptions): Promise<StepRun[]> {
  const first = steps.find((s) => s.viewport)?.viewport ?? DEFAULT_VIEWPORT;
  const context = await browser.newContext({ viewport: first });
  const runs: StepRun[] = [];
  try {
    await redirectTracking(context, collector.url, 'auto');
    const page = await context.newPage();
    let viewport = first;
    for (const step of steps) {
      const seen = collector.good().length;
      const run: StepRun = { step, status: 'done', captured: [] };
      try {
        if (step.viewport && (step.viewport.width !== viewport.width || step.viewport.height !== viewport.height)) {
          viewport = step.viewport;
          await page.setViewportSize(viewport);
        }
        const note = await perform(page, step, baseUrl, runs.at(-1));
        if (note) run.note = note;
      } catch (error) {
        run.status = 'skipped';
        run.note = (error as Error).message.split('\n')[0];
      }
      await flushPages([page], collector, { quietMs: 150 });
      run.captured = collector.good().slice(seen);
      runs.push(run);
    }
    const last = runs.at(-1);
    if (last && leaveAtEnd) {
      const seen = collector.good().length;
      const closed = new Promise((resolve) => page.once('close', resolve));
      await page.close({ runBeforeUnload: true });
      await closed;
      // A closing page sends with keepalive, a moment after it is gone: wait for that, briefly.
      const deadline = Date.now() + LEAVE_WAIT_MS;
      while (collector.good().length === seen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await collector.idle({ quietMs: 300, timeout: 5000 });
      last.captured.push(...collector.good().slice(seen));
    }
  } finally {
    await context.close();
  }
  return runs;
}
