import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { z } from 'zod';
import { formatIssues } from '../../sdk/protocol/schemas';
import type { TouchpointEvent } from '../../sdk/protocol/types';
import type { ValidationIssue } from '../records';

const propertyType = z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']);

/** The tracking plan file: per event name, its properties and whether others are allowed. */
export const trackingPlanSchema = z.strictObject({
  /** Track events whose name is not in the plan: accepted (default) or rejected. */
  allowUnplannedEvents: z.boolean().default(true),
  events: z.record(
    z.string().min(1),
    z.strictObject({
      properties: z.record(z.string().min(1), z.strictObject({ type: propertyType, required: z.boolean().default(false) })).default({}),
      additionalProperties: z.boolean().default(true),
    }),
  ),
});

export type TrackingPlanFile = z.output<typeof trackingPlanSchema>;

const CHECKS: Record<z.infer<typeof propertyType>, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

/** Checks a track event against the plan; returns the violations, or an empty list. */
export function checkAgainstPlan(plan: TrackingPlanFile, event: TouchpointEvent): ValidationIssue[] {
  if (event.type !== 'track') return [];
  const spec = Object.hasOwn(plan.events, event.event) ? plan.events[event.event] : undefined;
  if (!spec) return plan.allowUnplannedEvents ? [] : [{ path: ['event'], message: `"${event.event}" is not in the tracking plan` }];
  const properties = event.properties ?? {};
  const issues: ValidationIssue[] = [];
  for (const [name, rule] of Object.entries(spec.properties)) {
    const present = Object.hasOwn(properties, name) && properties[name] !== undefined && properties[name] !== null;
    if (!present) {
      if (rule.required) issues.push({ path: ['properties', name], message: 'required by the tracking plan' });
    } else if (!CHECKS[rule.type](properties[name])) {
      issues.push({ path: ['properties', name], message: `expected ${rule.type} by the tracking plan` });
    }
  }
  if (!spec.additionalProperties) {
    for (const name of Object.keys(properties)) {
      if (!Object.hasOwn(spec.properties, name)) issues.push({ path: ['properties', name], message: 'not in the tracking plan' });
    }
  }
  return issues;
}

export interface TrackingPlan {
  check(event: TouchpointEvent): ValidationIssue[];
  close(): void;
}

export interface TrackingPlanOptions {
  path: string;
  /** How often the file is checked for changes. */
  pollMs?: number;
  onReload?: (error?: Error) => void;
}

export function readTrackingPlan(path: string): TrackingPlanFile {
  const parsed = trackingPlanSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`tracking plan ${path}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Loads the plan and re-reads it when the file changes, without a restart. A broken edit is
 * reported and the previous plan stays in force.
 */
export function loadTrackingPlan({ path, pollMs = 1000, onReload }: TrackingPlanOptions): TrackingPlan {
  let plan = readTrackingPlan(path);
  const reload = () => {
    try {
      plan = readTrackingPlan(path);
      onReload?.();
    } catch (error) {
      onReload?.(error as Error);
    }
  };
  watchFile(path, { interval: pollMs, persistent: false }, reload);
  return {
    check: (event) => checkAgainstPlan(plan, event),
    close: () => unwatchFile(path, reload),
  };
}
