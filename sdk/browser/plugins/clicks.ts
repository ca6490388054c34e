import type { Plugin, PluginHost } from '../../core/plugin';
import { selectorOf } from './selector';

const TARGETS = 'a,button,[role=button],input[type=submit],input[type=button],[data-tp-event]';
const SUBMITS = 'button:not([type=button]):not([type=reset]),input[type=submit]';

/**
 * Click autocapture: links, buttons and elements marked `data-tp-*` become `Element Clicked`
 * with a stable selector, tag, short visible text, href, the form a submit button submits and
 * the `data-tp-*` values. Input values
 * are never read; `data-tp-ignore` opts a subtree out. Nothing waits on tracking: outbound links
 * leave at once (the event goes out with the page-hide flush).
 */
export function clicksPlugin(): Plugin {
  return {
    name: 'clicks',
    setup(tracker: PluginHost) {
      addEventListener(
        'click',
        (e) => {
          const target = (e.target as Element | null)?.closest?.(TARGETS);
          if (!target || target.closest('[data-tp-ignore]')) return;
          const properties: Record<string, unknown> = { selector: selectorOf(target), tag: target.tagName.toLowerCase() };
          if (!(target instanceof HTMLInputElement)) {
            const text = (target.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 100);
            if (text) properties.text = text;
          }
          // A submit button says which form it submits: replay then knows the submit was this click's.
          const form = target.matches(SUBMITS) && target.closest('form');
          if (form) properties.form = selectorOf(form);
          const href = target.getAttribute('href');
          if (href) properties.href = (target as HTMLAnchorElement).href || href;
          for (const attr of target.getAttributeNames()) {
            if (attr.startsWith('data-tp-') && attr !== 'data-tp-event')
              properties[attr.slice(8).replace(/-./g, (m) => m[1]!.toUpperCase())] = target.getAttribute(attr);
          }
          tracker.track(target.getAttribute('data-tp-event') || 'Element Clicked', properties);
        },
        { capture: true, passive: true },
      );
    },
  };
}
