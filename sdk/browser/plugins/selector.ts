/**
 * A CSS selector for an element that survives re-renders: ids and `data-tp-event` first, then
 * tags with their position, at most five levels up. Session replay finds elements again with it.
 */
export function selectorOf(element: Element): string {
  const parts: string[] = [];
  for (let el: Element | null = element; el && el !== document.body && parts.length < 5; el = el.parentElement) {
    // Attributes, not properties: a form's `id` property may be one of its inputs (named "id").
    const id = el.getAttribute('id');
    if (id) {
      parts.unshift(`#${CSS.escape(id)}`);
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
