import type { StoredEvent } from '../records';

export interface SequenceOptions {
  /** Devices remembered; the least recently seen are retired first (their loss stays counted). */
  maxDevices?: number;
  /**
   * A jump further than this from a device's run starts a new run instead of counting the gap as
   * lost: the numbers come from the client, and one request must not move the metric by 10^15.
   * (A real device loses at most its queue bound, 1,000 events by default.)
   */
  maxGap?: number;
}

interface Device {
  first: number;
  max: number;
  received: number;
  /** Timestamp of the event with the highest seq so far. */
  lastTimestamp: string;
}

export interface SequenceTracker {
  /**
   * Accounts one new (de-duplicated) event from `context.seq`, and returns the timestamp to store:
   * an event with a higher seq than the device's last is never stamped earlier than it.
   */
  observe(deviceId: string, seq: number, timestamp: string): string;
  /** Events the SDKs numbered but the collector never received, over all devices seen. */
  lost(): number;
}

/** Loss accounting and per-device ordering from the SDK's per-device sequence number. */
export function createSequenceTracker({ maxDevices = 100_000, maxGap = 10_000 }: SequenceOptions = {}): SequenceTracker {
  const devices = new Map<string, Device>();
  let lost = 0;
  const missing = (d: Device) => d.max - d.first + 1 - d.received;

  return {
    observe(deviceId, seq, timestamp) {
      const device = devices.get(deviceId);
      if (!device || seq > device.max + maxGap || seq < device.first - maxGap) {
        if (devices.size >= maxDevices) devices.delete(devices.keys().next().value!);
        devices.set(deviceId, { first: seq, max: seq, received: 1, lastTimestamp: timestamp });
        return timestamp;
      }
      devices.delete(deviceId); // re-inserted: most recently seen last
      devices.set(deviceId, device);
      const before = missing(device);
      device.received++;
      if (seq < device.first) device.first = seq;
      if (seq > device.max) {
        device.max = seq;
        if (timestamp < device.lastTimestamp) timestamp = device.lastTimestamp;
        device.lastTimestamp = timestamp;
      }
      lost += missing(device) - before;
      return timestamp;
    },
    lost: () => lost,
  };
}

/**
 * The ordering step: each new event with a `context.seq` is stamped no earlier than its device's
 * previous one (and counted for loss).
 */
export function orderBySequence(tracker: SequenceTracker): (events: StoredEvent[]) => void {
  return (events) => {
    for (const event of events) {
      const seq = event.context.seq;
      const device = event.anonymousId ?? event.userId;
      if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 && device) {
        event.timestamp = tracker.observe(device, seq, event.timestamp);
      }
    }
  };
}
