// The simulator's route table: one declarative entry per implemented spec operation. Write routes
// live in writes-*.ts (resources/collection.ts explains how to add one) and are listed here too.
import { alertsOnCallEndpoints } from './alerts-oncall';
import { catalogPeopleEndpoints } from './catalog-people';
import { configEndpoints } from './config';
import { identityEndpoints } from './identity';
import { incidentActivityEndpoints } from './incident-activity';
import { incidentEndpoints } from './incidents';
import type { Endpoint } from './types';
import { alertWriteEndpoints } from './writes-alerts';
import { catalogWriteEndpoints } from './writes-catalog';
import { configWriteEndpoints } from './writes-config';
import { incidentWriteEndpoints } from './writes-incidents';
import { onCallWriteEndpoints } from './writes-oncall';
import { statusPageWriteEndpoints } from './writes-status-pages';

export const ENDPOINTS: readonly Endpoint[] = [
  ...identityEndpoints,
  ...incidentEndpoints,
  ...incidentActivityEndpoints,
  ...alertsOnCallEndpoints,
  ...configEndpoints,
  ...catalogPeopleEndpoints,
  ...incidentWriteEndpoints,
  ...alertWriteEndpoints,
  ...catalogWriteEndpoints,
  ...configWriteEndpoints,
  ...onCallWriteEndpoints,
  ...statusPageWriteEndpoints,
];
