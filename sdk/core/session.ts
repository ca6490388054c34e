import type { Session } from '../protocol/attribution';

export type { Session } from '../protocol/attribution';

export interface SessionState extends Session {
  lastActivity: number;
  campaign: string;
}

export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * The session an event at `now` belongs to: the current one, or a new one after 30 minutes idle
 * or when a different campaign brings the visitor back (as GA and Sensors Data count them).
 */
export function nextSession(state: SessionState | undefined, now: number, campaign: string, newId: () => string, timeoutMs = SESSION_TIMEOUT_MS): SessionState {
  const expired = !state || now - state.lastActivity > timeoutMs || (campaign !== '' && campaign !== state.campaign);
  if (expired) {
    return {
      id: newId(),
      index: (state?.index ?? 0) + 1,
      start: new Date(now).toISOString(),
      lastActivity: now,
      campaign: campaign || (state?.campaign ?? ''),
    };
  }
  return { ...state, lastActivity: now };
}
