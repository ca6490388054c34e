import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';
import type { Plugin, PluginHost } from '../../core/plugin';

/**
 * Core Web Vitals through Google's `web-vitals` package: LCP, INP, CLS, FCP and TTFB, each sent
 * as a `Web Vital` event once final (CLS and INP when the page is hidden).
 */
export function webVitalsPlugin(): Plugin {
  return {
    name: 'web-vitals',
    setup(tracker: PluginHost) {
      const report = ({ name, value, rating, delta, id, navigationType }: Metric) =>
        tracker.track('Web Vital', { name, value: Math.round(value * 1000) / 1000, rating, delta: Math.round(delta * 1000) / 1000, id, navigationType });
      for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(report);
    },
  };
}
