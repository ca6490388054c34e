/**
 * QA entry: the Playwright fixture, in-memory collector and session replay arrive in their own
 * issue. Until then it exposes the protocol types that test code asserts on.
 */
export type * from '../protocol/types';
