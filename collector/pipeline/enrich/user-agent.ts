import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';
import { memo } from './memo';
import type { EnrichStep } from './step';

export interface UserAgentFacts {
  browser?: { name: string; version?: string };
  os?: { name: string; version?: string };
  device?: { type: string; manufacturer?: string; model?: string };
  bot: boolean;
}

/**
 * Parses user agents into browser / OS / device and a bot flag. Real traffic repeats a few
 * thousand strings, so results are remembered (`memo`) instead of parsing every event.
 */
export function createUserAgentParser({ cacheSize = 2000 } = {}): (userAgent: string) => UserAgentFacts {
  return memo((userAgent) => parse(userAgent.slice(0, 512)), cacheSize);
}

function parse(userAgent: string): UserAgentFacts {
  const { browser, os, device } = new UAParser(userAgent).getResult();
  const facts: UserAgentFacts = { bot: isbot(userAgent) };
  if (browser.name) facts.browser = { name: browser.name, ...(browser.version && { version: browser.version }) };
  if (os.name) facts.os = { name: os.name, ...(os.version && { version: os.version }) };
  // ua-parser leaves the type empty for desktops.
  const type = device.type ?? (facts.os && /windows|mac os|linux|chrome os|ubuntu/i.test(facts.os.name) ? 'desktop' : undefined);
  if (type) facts.device = { type, ...(device.vendor && { manufacturer: device.vendor }), ...(device.model && { model: device.model }) };
  return facts;
}

/** The agent step: `context.browser`, `context.os`, `context.device` and `context.bot`, from the event's own user agent or the request's. */
export function userAgentStep(parse = createUserAgentParser()): EnrichStep {
  return (event, request) => {
    const context = event.context;
    const userAgent = context.userAgent ?? request.userAgent;
    if (!userAgent) return;
    const facts = parse(userAgent);
    if (facts.browser && context.browser === undefined) context.browser = facts.browser;
    if (facts.os && context.os === undefined) context.os = facts.os;
    if (facts.device) {
      // The parser's facts are shared by every event with that user agent: copied, not changed.
      context.device = context.device === undefined ? { ...facts.device } : { ...facts.device, ...(context.device as object) };
    }
    if (facts.bot) context.bot = true;
  };
}
