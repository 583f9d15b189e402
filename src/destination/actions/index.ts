// Every action this destination can run. Adding one is one entry here plus its input schema; the
// manifest test checks that the manifest, schemas/actions and this list agree.
import { createAlertNote, resolveAlert } from './alerts';
import { createAction } from './create-action';
import { createCustomFieldOption } from './create-custom-field-option';
import { createEscalation } from './create-escalation';
import { createIncident } from './create-incident';
import { createIncidentAttachment } from './create-incident-attachment';
import { createScheduleOverride } from './create-schedule-override';
import { createStatusPageIncident } from './create-status-page-incident';
import { createFollowUp, updateFollowUp } from './follow-ups';
import { sendAlertEvent } from './send-alert-event';
import type { ActionDefinition } from './types';
import { updateIncident } from './update-incident';
import { upsertCatalogEntries } from './upsert-catalog-entries';

export type { ActionDefinition } from './types';

export const ACTIONS: ActionDefinition[] = [
  createIncident,
  updateIncident,
  sendAlertEvent,
  upsertCatalogEntries,
  createFollowUp,
  updateFollowUp,
  createAction,
  createCustomFieldOption,
  createIncidentAttachment,
  createEscalation,
  createScheduleOverride,
  resolveAlert,
  createAlertNote,
  createStatusPageIncident,
];

export function findAction(name: string): ActionDefinition | undefined {
  return ACTIONS.find((a) => a.name === name);
}
