// The status table of src/http/status.ts: each status lands in the failure type the client has always
// given it, and only 408, 429 and 5xx are worth sending again.
import { classifyStatus } from '../../src/http/status';

it.each([
  [401, 'auth', false],
  [403, 'permission', false],
  [429, 'rate_limited', true],
  [408, 'transient', true],
  [500, 'transient', true],
  [503, 'transient', true],
  [599, 'transient', true],
  [301, 'config', false],
  [307, 'config', false],
  [404, 'config', false],
  [400, 'bad_record', false],
  [422, 'bad_record', false],
  [409, 'config', false],
  [410, 'config', false],
])('HTTP %i is %s (retryable: %s)', (status, failureType, retryable) => {
  expect(classifyStatus(status)).toMatchObject({ failureType, retryable });
});
