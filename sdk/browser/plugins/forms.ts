import type { Plugin, PluginHost } from '../../core/plugin';
import { selectorOf } from './selector';

/**
 * Form submit autocapture: `Form Submitted` with the form's stable selector, id, name, method and
 * action, so a session can be replayed. Field values are never read; `data-tp-ignore` opts a form
 * out. Attributes are read rather than properties, which a form's own inputs can shadow.
 */
export function formsPlugin(): Plugin {
  return {
    name: 'forms',
    setup(tracker: PluginHost) {
      addEventListener(
        'submit',
        (e) => {
          const form = e.target;
          if (!(form instanceof HTMLFormElement) || form.closest('[data-tp-ignore]')) return;
          const properties: Record<string, unknown> = { selector: selectorOf(form), method: (form.getAttribute('method') || 'get').toLowerCase() };
          for (const attr of ['id', 'name'] as const) {
            const value = form.getAttribute(attr);
            if (value) properties[attr] = value;
          }
          const action = form.getAttribute('action');
          try {
            if (action) properties.action = new URL(action, tracker.context().page?.url).href;
          } catch {
            // an action that is no URL is left out, never thrown into the page
          }
          tracker.track('Form Submitted', properties);
        },
        { capture: true, passive: true },
      );
    },
  };
}
