/** The per-request values the middleware hands to the routes. */
export interface CollectorEnv {
  Variables: {
    /** The parsed JSON body. */
    body: Record<string, unknown>;
    /** Its size in bytes after decompression. */
    bodyBytes: number;
    writeKey: string;
  };
}
