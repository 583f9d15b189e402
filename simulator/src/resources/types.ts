// Shapes of the stored records: the API's response shapes (named after the spec's schemas), reduced to
// the fields the simulator itself reads. Fields starting with "_" are the simulator's own bookkeeping;
// routes strip them (publicView) before answering.
import type { Rec } from './collection';

export interface UserV2 {
  id: string;
  name: string;
  email?: string;
  role: string;
  slack_user_id?: string;
}

/** UserWithRolesV2 (GET /v2/users). */
export interface UserRec extends Rec, UserV2 {
  is_active: boolean;
}

/** IncidentUpdateV2. */
export interface IncidentUpdateRec extends Rec {
  incident_id: string;
  created_at: string;
}

/** FollowUpV2 (ActionV2 has the same fields the simulator reads). */
export interface FollowUpRec extends Rec {
  incident_id: string;
  status: string;
  created_at: string;
  updated_at: string;
  assignee_team?: { id: string; name: string };
}

export type ActionRec = FollowUpRec;

/** PostmortemDocumentV1. */
export interface PostmortemDocumentRec extends Rec {
  incident_id: string;
  created_at: string;
  updated_at: string;
}

/** IncidentAttachmentV1. */
export interface IncidentAttachmentRec extends Rec {
  incident_id: string;
  resource: { external_id: string; resource_type: string; permalink: string; title: string };
}

/** IncidentRelationshipV1 + the incident it is listed under. */
export interface IncidentRelationshipRec extends Rec {
  _incident_id: string;
  incident: { id: string; external_id: number; name: string };
}

/** IncidentAlertV2. */
export interface IncidentAlertRec extends Rec {
  alert: { id: string };
  incident: { id: string };
}

/** IncidentParticipantV2 + its incident and whether it is an active participant. */
export interface IncidentParticipantRec extends Rec {
  _incident_id: string;
  _active: boolean;
  participant_type: 'observer' | 'collaborator' | 'responder';
  user: UserV2;
}

/** AlertV2. */
export interface AlertRec extends Rec {
  alert_source_id: string;
  status: 'firing' | 'resolved';
  title: string;
  deduplication_key: string;
  created_at: string;
  updated_at: string;
  resolved_at?: string;
  alert_group_ids?: string[];
}

/** AlertNoteV1. */
export interface AlertNoteRec extends Rec {
  alert_id?: string;
  alert_group_id?: string;
  created_at: string;
  updated_at: string;
}

/** AlertSourceV2 (the list includes secret_token, as the API does). */
export interface AlertSourceRec extends Rec {
  name: string;
  source_type: string;
  secret_token?: string;
}

/** EscalationV2 + the idempotency key it was created with. */
export interface EscalationRec extends Rec {
  status: string;
  escalation_path_id?: string;
  related_alerts: { id: string }[];
  related_incidents: { id: string }[];
  created_at: string;
  updated_at: string;
  _idempotency_key?: string;
}

export interface RotationRec {
  id: string;
  name: string;
  handover_start_at: string;
  effective_from?: string;
  handovers: { interval: number; interval_type: 'hourly' | 'daily' | 'weekly' }[];
  layers: { id: string; name: string }[];
  users: UserV2[];
  working_intervals: { weekday: string; start_time: string; end_time: string }[];
}

/** ScheduleV2. */
export interface ScheduleRec extends Rec {
  name: string;
  timezone: string;
  config: { rotations: RotationRec[] };
  created_at: string;
  updated_at: string;
}

/** ScheduleOverrideV2. */
export interface ScheduleOverrideRec extends Rec {
  schedule_id: string;
  rotation_id: string;
  layer_id: string;
  start_at: string;
  end_at: string;
  user?: UserV2;
  created_at: string;
  updated_at: string;
}

/** MaintenanceWindowV1. */
export interface MaintenanceWindowRec extends Rec {
  start_at: string;
  end_at: string;
  created_at: string;
  updated_at: string;
}

/** WorkflowRunSlimV2 (runs with cancelled_at are stored but never listed, as in the API). */
export interface WorkflowRunRec extends Rec {
  workflow_id: string;
  incident_id?: string;
  created_at: string;
  cancelled_at?: string;
}

/** CustomFieldOptionV1. */
export interface CustomFieldOptionRec extends Rec {
  custom_field_id: string;
  value: string;
  sort_key: number;
}

/** CatalogTypeV3. */
export interface CatalogTypeRec extends Rec {
  name: string;
  type_name: string;
  schema: { version: number; attributes: { id: string; name: string; type: string; array: boolean }[] };
  updated_at: string;
}

/** CatalogEntryV3. */
export interface CatalogEntryRec extends Rec {
  catalog_type_id: string;
  name: string;
  external_id?: string;
  aliases: string[];
  attribute_values: Record<string, unknown>;
  rank: number;
  created_at: string;
  updated_at: string;
  archived_at?: string;
}

/** TeamV3. */
export interface TeamRec extends Rec {
  name: string;
  members: { id: string; name: string; email?: string; slack_user_id?: string }[];
  catalog_entry: { id: string; name: string; external_id?: string };
}

/** StatusPageV2. */
export interface StatusPageRec extends Rec {
  name: string;
}

/** StatusPageIncidentV2 + the idempotency key it was created with. */
export interface StatusPageIncidentRec extends Rec {
  status_page_id: string;
  name: string;
  published_at: string;
  _idempotency_key?: string;
}
