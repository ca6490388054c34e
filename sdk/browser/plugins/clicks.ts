import type { Plugin, PluginHost } from '../../core/plugin';

const TARGETS = 'a,button,[role=button],input[type=submit],input[type=button],[data-tp-event]';

/** A selector that survives re-renders: ids and data-tp-* first, then tags with their position. */
function selectorOf(element: Element): string {
  const parts: string[] = [];
  for (let el: Element | null = element; el && el !== document.body && parts.length < 5; el = el.parentElement) {
    if (el.id) {
      parts.unshift(`#${CSS.escape(el.id)}`);
      break;
    }
    const tp = el.getAttribute('data-tp-event');
    if (tp) {
      parts.unshift(`[data-tp-event="${tp}"]`);
      break;
    }
    const siblings = el.parentElement ? [...el.parentElement.children].filter((s) => s.tagName === el!.tagName) : [];
    parts.unshift(siblings.length > 1 ? `${el.tagName.toLowerCase()}:nth-of-type(${siblings.indexOf(el) + 1})` : el.tagName.toLowerCase());
  }
  return parts.join('>');
}

/**
 * Click autocapture: links, buttons and elements marked `data-tp-*` become `Element Clicked`
 * with a stable selector, tag, short visible text, href and the `data-tp-*` values. Input values
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
          const href = target.getAttribute('href');
          if (href) properties.href = (target as HTMLAnchorElement).href || href;
          for (const attr of target.getAttributeNames()) {
            if (attr.startsWith('data-tp-') && attr !== 'data-tp-event') properties[attr.slice(8).replace(/-./g, (m) => m[1]!.toUpperCase())] = target.getAttribute(attr);
          }
          tracker.track(target.getAttribute('data-tp-event') || 'Element Clicked', properties);
        },
        { capture: true, passive: true },
      );
    },
  };
}
