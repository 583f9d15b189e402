// Parsing of incident.io's rate-limit signals: Retry-After (seconds first, then an HTTP date), the
// 429 body's rate_limit.retry_after, and X-RateLimit-* headers.
import {
  parseRateLimitHeaders,
  parseRetryAfter,
  retryAfterFromBody,
} from '../../src/http/rate-limit-headers';

const NOW = Date.parse('2025-04-17T11:17:00Z');

describe('parseRetryAfter', () => {
  test('integer seconds are seconds, not a year', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('1', NOW)).toBe(1_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 30 ', NOW)).toBe(30_000);
    expect(parseRetryAfter(['2', '5'], NOW)).toBe(2_000);
    expect(parseRetryAfter(7, NOW)).toBe(7_000);
  });

  test('fractional seconds are accepted', () => {
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
  });

  test('an HTTP date is the time left until then', () => {
    expect(parseRetryAfter('Thu, 17 Apr 2025 11:17:18 GMT', NOW)).toBe(18_000);
    // incident.io has also been seen sending "UTC" instead of "GMT".
    expect(parseRetryAfter('Thu, 17 Apr 2025 11:17:18 UTC', NOW)).toBe(18_000);
    expect(parseRetryAfter('2025-04-17T11:17:05Z', NOW)).toBe(5_000);
  });

  test('a date in the past means no wait', () => {
    expect(parseRetryAfter('Thu, 17 Apr 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  test('absent or unparsable values are undefined', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('   ', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('retryAfterFromBody', () => {
  const body = (retryAfter: unknown) => ({
    type: 'too_many_requests',
    status: 429,
    request_id: 'r',
    rate_limit: { name: 'api_key_name', limit: 1200, remaining: 0, retry_after: retryAfter },
    errors: [{ code: 'too_many_requests', message: 'Too many requests' }],
  });

  test('RFC 3339 and RFC 1123 forms', () => {
    expect(retryAfterFromBody(body('2025-04-17T11:17:18Z'), NOW)).toBe(18_000);
    expect(retryAfterFromBody(body('2025-04-17T11:17:18.500Z'), NOW)).toBe(18_500);
    expect(retryAfterFromBody(body('Thu, 17 Apr 2025 11:17:18 UTC'), NOW)).toBe(18_000);
  });

  test('missing or odd bodies give undefined', () => {
    expect(retryAfterFromBody(undefined, NOW)).toBeUndefined();
    expect(retryAfterFromBody('text', NOW)).toBeUndefined();
    expect(retryAfterFromBody({}, NOW)).toBeUndefined();
    expect(retryAfterFromBody(body(5), NOW)).toBeUndefined();
    expect(retryAfterFromBody(body('not a date'), NOW)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  test('binding quota, every window, remaining and reset', () => {
    const info = parseRateLimitHeaders({
      'x-ratelimit-limit': '60, 1200;window=60, 60;window=60',
      'x-ratelimit-remaining': '59',
      'x-ratelimit-reset': '1744888638',
    });
    expect(info).toEqual({
      binding: 60,
      windows: [
        { limit: 1200, windowSeconds: 60 },
        { limit: 60, windowSeconds: 60 },
      ],
      remaining: 59,
      resetAt: 1744888638_000,
    });
  });

  test('Remaining 0 is kept (it is the signal that matters most)', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-remaining': '0' }).remaining).toBe(0);
  });

  test('absent or malformed headers never throw and yield nothing', () => {
    expect(parseRateLimitHeaders({})).toEqual({ windows: [] });
    const odd = parseRateLimitHeaders({
      'x-ratelimit-limit': 'abc, 10;window=zero, -5;window=1, 5;foo=bar',
      'x-ratelimit-remaining': 'lots',
      'x-ratelimit-reset': 'never',
    });
    expect(odd.windows).toEqual([]);
    expect(odd.remaining).toBeUndefined();
    expect(odd.resetAt).toBeUndefined();
  });
});
