import { describe, expect, it } from 'vitest';
import { renderReport } from './report';

describe('renderReport', () => {
  it('escapes names from the data, loads nothing, and draws one bar per step', () => {
    const html = renderReport({
      title: 'Touchpoint funnel',
      subtitle: 'A → B',
      funnel: {
        steps: [
          { event: '<script>alert(1)</script>', persons: 10, conversion: 1, dropOff: 0, medianSeconds: null },
          { event: 'B "quoted" & \'single\'', persons: 4, conversion: 0.4, dropOff: 6, medianSeconds: 90 },
        ],
      },
      attribution: { by: 'campaign', model: 'last', rows: [{ key: '<img src=x onerror=alert(1)>', conversions: 1, revenue: 9.9 }] },
    });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;: 10 (100.0%)');
    expect(html).toContain('B &quot;quoted&quot; &amp; &#39;single&#39;: 4 (40.0%)');
    expect(html).toContain('median 90 s after the previous step');
    expect(html.match(/<g class="step">/g)).toHaveLength(2);
    // self-contained: no script, no external URL, a CSP that forbids fetching anything
    expect(html).not.toMatch(/<script|\ssrc=["']|\shref=["']|url\(/);
    expect(html).toContain("default-src 'none'");
  });
});
