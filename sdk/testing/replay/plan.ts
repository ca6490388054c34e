import { eventName } from '../../../collector/pipeline/feed';
import type { TrackedEvent } from '../expectation';

/** What the user did: opened a page, clicked an element, submitted a form. */
export type StepKind = 'goto' | 'click' | 'submit';

export interface Step {
  /** 1-based, as the report says it. */
  number: number;
  kind: StepKind;
  /** The page the step happened on, as recorded. */
  url: string;
  /** For clicks and submits: the element's stable selector (`sdk/browser/plugins/selector.ts`). */
  selector?: string;
  text?: string;
  tag?: string;
  href?: string;
  /** For a click on a submit button: the selector of its form. */
  form?: string;
  viewport?: { width: number; height: number };
  /** The page's referrer when it was opened, for the first step. */
  referrer?: string;
  /** When it happened, by the client's clock. */
  at: string;
  /** The recorded events the step caused: its own (the page view, the click) and what followed until the next step. */
  expected: TrackedEvent[];
}

/** A page view this long after a click is taken for a navigation of its own (typed, bookmarked), not the click's. */
const NAVIGATION_AFTER_CLICK_MS = 5000;
/** A form submitted this soon after a click on its submit button was submitted by that click. */
const SUBMIT_AFTER_CLICK_MS = 1000;

const timeOf = (e: TrackedEvent) => Date.parse(String(e.originalTimestamp ?? e.timestamp)) || 0;
const pageOf = (e: TrackedEvent) => (e.context?.page ?? {}) as { url?: unknown; referrer?: unknown };
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

function viewportOf(e: TrackedEvent): Step['viewport'] {
  const screen = (e.context?.screen ?? {}) as { innerWidth?: unknown; innerHeight?: unknown };
  const [width, height] = [screen.innerWidth, screen.innerHeight];
  return typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0 && width <= 10_000 && height <= 10_000
    ? { width: Math.round(width), height: Math.round(height) }
    : undefined;
}

function isNavigationOf(page: TrackedEvent, step: Step | undefined): boolean {
  if (!step || step.kind === 'goto') return false;
  if (step.href !== undefined && step.href === text(pageOf(page).url)) return true;
  const firstPageOfStep = !step.expected.some((e) => e.type === 'page');
  return firstPageOfStep && timeOf(page) - Date.parse(step.at) <= NAVIGATION_AFTER_CLICK_MS;
}

/** Whether the click of `step` submitted this form: its button says so (or, in older data, sits inside it). */
function isSubmitOf(submit: TrackedEvent, formSelector: string, step: Step | undefined): boolean {
  if (step?.kind !== 'click' || timeOf(submit) - Date.parse(step.at) > SUBMIT_AFTER_CLICK_MS) return false;
  return step.form !== undefined ? step.form === formSelector : step.selector!.startsWith(`${formSelector}>`);
}

/**
 * The steps of a recorded session. Actions are page views (unless a click just caused them: a
 * link, a single-page app's route), `Element Clicked` and `Form Submitted` (unless a click on its
 * submit button did it); every other event belongs to the step before it. Replay corrects what
 * these timing rules get wrong by looking at where the browser really is.
 */
export function planSteps(events: readonly TrackedEvent[]): Step[] {
  const steps: Step[] = [];
  const add = (kind: StepKind, event: TrackedEvent, extra: Partial<Step> = {}) => {
    const step: Step = {
      number: steps.length + 1,
      kind,
      url: text(pageOf(event).url) ?? '',
      at: new Date(timeOf(event)).toISOString(),
      expected: [],
      ...extra,
    };
    const viewport = viewportOf(event);
    if (viewport) step.viewport = viewport;
    steps.push(step);
    return step;
  };
  for (const event of events) {
    const last = steps.at(-1);
    const name = eventName(event);
    const properties = (event.properties ?? {}) as Record<string, unknown>;
    let step: Step | undefined;
    if (event.type === 'page' && !isNavigationOf(event, last)) {
      const referrer = steps.length === 0 ? text(pageOf(event).referrer) : undefined;
      step = add('goto', event, referrer ? { referrer } : {});
    } else if (event.type === 'track' && name === 'Element Clicked' && text(properties.selector)) {
      step = add('click', event, {
        selector: text(properties.selector),
        ...(text(properties.text) && { text: text(properties.text) }),
        ...(text(properties.tag) && { tag: text(properties.tag) }),
        ...(text(properties.href) && { href: text(properties.href) }),
        ...(text(properties.form) && { form: text(properties.form) }),
      });
    } else if (event.type === 'track' && name === 'Form Submitted' && text(properties.selector) && !isSubmitOf(event, text(properties.selector)!, last)) {
      step = add('submit', event, { selector: text(properties.selector) });
    }
    // Events before any action (a track as the page loads): the page they were on is the first step.
    step ??= last ?? add('goto', event);
    step.expected.push(event);
  }
  return steps;
}
