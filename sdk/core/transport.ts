export interface TransportRequest {
  url: string;
  body: string;
  /** The page is going away: the platform should use a request that outlives it. */
  keepalive: boolean;
}

export interface TransportResponse {
  /** HTTP status, or 0 when the request never got an answer (offline, DNS, CORS, abort). */
  status: number;
  /** Seconds from a `Retry-After` header. */
  retryAfter?: number;
}

/** One send function per platform; everything else about delivery lives in the core. */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;
