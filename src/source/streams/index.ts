// Every stream this source reads. Adding one is one entry in a family file plus its generated schema;
// the manifest test checks that the manifest, schemas/streams and this list agree.
import { ALERT_AND_ON_CALL_STREAMS } from './alerts-oncall';
import { CATALOG_PEOPLE_STATUS_STREAMS } from './catalog-people';
import { CONFIGURATION_STREAMS } from './configuration';
import { INCIDENT_STREAMS } from './incidents';
import type { StreamDefinition } from './types';

export type { StreamDefinition } from './types';

export const STREAMS: StreamDefinition[] = [
  ...INCIDENT_STREAMS,
  ...ALERT_AND_ON_CALL_STREAMS,
  ...CONFIGURATION_STREAMS,
  ...CATALOG_PEOPLE_STATUS_STREAMS,
];

export function findStream(name: string): StreamDefinition | undefined {
  return STREAMS.find((s) => s.name === name);
}
