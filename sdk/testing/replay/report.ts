import { eventName } from '../../../collector/pipeline/feed';
import { describeEvent } from '../expectation';
import { preview } from '../partial-match';
import type { Finding } from './diff';
import type { StepRun } from './drive';
import type { Step } from './plan';

/** `click "Add to cart"  #products>div:nth-of-type(1)>button:nth-of-type(2)` */
export function describeStep(step: Step): string {
  if (step.kind === 'goto') {
    try {
      const url = new URL(step.url);
      return `goto ${url.pathname}${url.search}${url.hash}`;
    } catch {
      return 'goto (no URL recorded)';
    }
  }
  return `${step.kind}${step.text ? ` ${JSON.stringify(step.text)}` : ''}  ${step.selector}`;
}

/** The diff as people read it: each step, what it should have tracked, and what differs. */
export function formatReport(runs: readonly StepRun[], findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const run of runs) {
    const { step } = run;
    const own = findings.filter((f) => f.step === step.number);
    const names = [...new Set(step.expected.map((e) => eventName(e)))].join(', ');
    const mark = run.status === 'skipped' ? `✗ could not be replayed: ${run.note}` : own.length === 0 ? `✓ ${names || '(nothing tracked)'}` : '';
    lines.push(`step ${String(step.number).padEnd(3)} ${describeStep(step)}   ${mark}`.trimEnd());
    if (run.status === 'done' && run.note) lines.push(`           (${run.note})`);
    for (const finding of own) lines.push(`           ${describeFinding(finding)}`);
  }
  const count = (kind: Finding['kind']) => findings.filter((f) => f.kind === kind).length;
  const skipped = runs.filter((r) => r.status === 'skipped').length;
  const recorded = runs.reduce((n, r) => n + r.step.expected.length, 0);
  const replayed = runs.reduce((n, r) => n + r.captured.length, 0);
  lines.push('');
  lines.push(
    findings.length === 0 && skipped === 0
      ? `No differences: ${recorded} events recorded, ${replayed} replayed, in ${runs.length} steps.`
      : `${findings.length} difference(s): ${count('missing')} missing, ${count('extra')} extra, ${count('changed')} changed; ${skipped} of ${runs.length} steps could not be replayed.`,
  );
  return lines.join('\n');
}

function describeFinding(finding: Finding): string {
  if (finding.kind === 'changed') {
    const changes = finding.changes.map((c) => `${c.path}: ${preview(c.recorded)} → ${preview(c.replayed)}`).join('; ');
    return `~ changed  ${JSON.stringify(eventName(finding.recorded))}  ${changes}`;
  }
  return `${finding.kind === 'missing' ? '- missing' : '+ extra  '}  ${describeEvent(finding.event)}`;
}
