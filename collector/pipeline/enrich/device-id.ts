import type { EnrichStep } from './step';

/** The device step: `context.device.id` from the collector's own first-party cookie, when it is on. */
export const deviceIdStep = (): EnrichStep => (event, request) => {
  if (request.deviceId) event.context.device = { ...(event.context.device as object | undefined), id: request.deviceId };
};
