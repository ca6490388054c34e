import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';

export interface UserAgentFacts {
  browser?: { name: string; version?: string };
  os?: { name: string; version?: string };
  device?: { type: string; manufacturer?: string; model?: string };
  bot: boolean;
}

/**
 * Parses user agents into browser / OS / device and a bot flag. Real traffic repeats a few
 * thousand strings, so results are kept in a small LRU instead of parsing every event.
 */
export function createUserAgentParser({ cacheSize = 2000 } = {}): (userAgent: string) => UserAgentFacts {
  const cache = new Map<string, UserAgentFacts>();
  // A request's events share one user agent: compared with the last one before hashing it.
  let last: [string, UserAgentFacts] | undefined;
  return (userAgent) => {
    if (last?.[0] === userAgent) return last[1];
    let facts = cache.get(userAgent);
    if (!facts) {
      facts = parse(userAgent.slice(0, 512));
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(userAgent, facts);
    }
    last = [userAgent, facts];
    return facts;
  };
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
