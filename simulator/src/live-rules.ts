// Requests the evidence says the live API refuses (README "What the simulator models"). Each is
// answered as the API answers it (422) and counted in SimStats.liveRuleViolations, apart from
// spec-validation errors, so that a test run fails when the connector sends one.
import fs from 'node:fs';
import path from 'node:path';
import { item, SimHttpError } from './errors';

export type LiveRuleId =
  /** `[gte]` and `[lte]` on one field (Airbyte); any two window operators or a repeated one (stricter). */
  | 'one_time_operator_per_field'
  /** incidents and escalations: `date_range` bounds are plain dates (Airbyte). */
  | 'date_range_whole_days'
  /** POST /v2/incidents without severity_id (spec info, "Errors"). */
  | 'severity_required'
  /** POST /v1/incident_attachments: exactly one of external_id, url (spec description). */
  | 'attachment_external_id_or_url'
  /** POST /v1/incident_attachments: title and emoji only for arbitrary_url, which needs a url. */
  | 'attachment_arbitrary_url_fields'
  /** PUT /v2/follow_ups/{id} with status deleted (spec FollowUpsUpdatePayloadV2). */
  | 'follow_up_status_deleted'
  /** GET /v1/alert_notes needs exactly one of alert_id, alert_group_id (spec description). */
  | 'alert_notes_one_parent'
  /** GET /v1/incident_attachments needs an incident, or a resource type with an external id. */
  | 'attachments_list_scope'
  /** Resolving an alert of an externally resolved source (spec description). */
  | 'alert_externally_resolved';

export interface LiveRuleViolation {
  route: string;
  rule: LiveRuleId;
  detail: string;
}

/** A refusal the live API is recorded to make; the server counts it before answering. */
export class LiveRuleError extends SimHttpError {
  constructor(
    readonly rule: LiveRuleId,
    field: string,
    message: string,
    code = 'invalid_value'
  ) {
    super(422, 'validation_error', [item(code, message, field)]);
  }
}

/**
 * Names a directory where simulators append the violations their options did not declare, one file
 * per process (JSON lines): the test suite sets it for each test file, and its children inherit it.
 */
export const VIOLATIONS_DIR_ENV = 'INCIDENT_IO_SIMULATOR_VIOLATIONS_DIR';

/** Called by a simulator for a violation its options did not declare as expected. */
export function reportUnexpected(v: LiveRuleViolation): void {
  const dir = process.env[VIOLATIONS_DIR_ENV];
  // Synchronous: a child process may exit right after its last request.
  if (dir) fs.appendFileSync(path.join(dir, `${process.pid}.jsonl`), `${JSON.stringify(v)}\n`);
}

/** Every violation reported into `dir` (by any process). */
export function readReported(dir: string): LiveRuleViolation[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LiveRuleViolation);
}
