export interface SequenceOptions {
  /** Devices remembered; the least recently seen are retired first (their loss stays counted). */
  maxDevices?: number;
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
export function createSequenceTracker({ maxDevices = 100_000 }: SequenceOptions = {}): SequenceTracker {
  const devices = new Map<string, Device>();
  let lost = 0;
  const missing = (d: Device) => d.max - d.first + 1 - d.received;

  return {
    observe(deviceId, seq, timestamp) {
      const device = devices.get(deviceId);
      if (!device) {
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
