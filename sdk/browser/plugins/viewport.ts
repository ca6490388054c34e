import type { Plugin } from '../../core/plugin';

/**
 * The viewport at each event, as RudderStack records it: `context.screen.innerWidth` and
 * `innerHeight` beside the screen's size. It can change while the page lives (a resized window,
 * a rotated phone), so it is read per event; session replay sizes its browser with it.
 */
export function viewportPlugin(): Plugin {
  return {
    name: 'viewport',
    enrich(event) {
      event.context = { ...event.context, screen: { ...event.context?.screen, innerWidth, innerHeight } };
      return event;
    },
  };
}
