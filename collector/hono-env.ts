import type { Source } from './keys';

/** The per-request values the middleware hands to the routes. */
export interface CollectorEnv {
  Variables: {
    /** The parsed JSON body. */
    body: Record<string, unknown>;
    /** Its size in bytes after decompression. */
    bodyBytes: number;
    /** The write key the request authenticated with. */
    source: Source;
    /** The first-party device id, when the device cookie is on. */
    deviceId: string | undefined;
  };
}
