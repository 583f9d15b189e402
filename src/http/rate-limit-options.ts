// How a runtime tunes the per-key rate limiter (ConnectorContext.rateLimit).
export interface RateLimitOptions {
  /** Bucket size of incident.io's token bucket for one key (default 1200). */
  burst?: number;
  /** Refill per second of that bucket (default 20). */
  refillPerSecond?: number;
  /**
   * Share of the budget this process may use, 0 < share <= 1 (default 1: the whole bucket; the
   * X-RateLimit-Remaining corrections still leave other clients of the key what they use).
   */
  share?: number;
  /**
   * Requests in flight per key at most (default 48, or the credential's max_in_flight). Below it, the
   * number in flight follows the tokens available, the refill rate and the measured round trip.
   */
  maxConcurrent?: number;
  /**
   * Redis mode: every process with the same `redis.url` shares one limiter per key (its bucket,
   * learned endpoint limits and 429 pause). `share` is then the share of the key all of them use.
   */
  redis?: RedisRateLimitOptions;
}

export interface RedisRateLimitOptions {
  /** redis://[[user]:password@]host[:port][/db] or rediss:// (Redis 5 or later). */
  url: string;
  /**
   * Redis unreachable when the limiter first needs it: 'fail' (default) fails every request with a
   * ConnectorError (code redis_unavailable); 'local' warns and limits this process alone at
   * `localShare`. Redis lost mid-run always means limiting alone at `localShare` until it is back.
   */
  onUnavailable?: 'fail' | 'local';
  /** Share of the key's budget one process uses while it limits itself alone; at most 1/workers (default 0.25). */
  localShare?: number;
  /** How long a crashed worker's request still counts as in flight (ms, default 65 000); above the HTTP deadline. */
  jobExpirationMs?: number;
  /** How long the first use waits for Redis (ms, default 2000). */
  connectTimeoutMs?: number;
  /** A Redis command without an answer after this long counts as Redis lost (ms, default 1000). */
  commandTimeoutMs?: number;
}
