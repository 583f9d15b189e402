// Every action this destination can run. Adding one is one entry here plus its input schema; the
// manifest test checks that the manifest, schemas/actions and this list agree.
import { createIncident } from './create-incident';
import type { ActionDefinition } from './types';

export type { ActionDefinition } from './types';

export const ACTIONS: ActionDefinition[] = [createIncident];

export function findAction(name: string): ActionDefinition | undefined {
  return ACTIONS.find((a) => a.name === name);
}
