// The simulator's route table: one declarative entry per implemented spec operation.
import { configEndpoints } from './config';
import { identityEndpoints } from './identity';
import { incidentEndpoints } from './incidents';
import type { Endpoint } from './types';

export const ENDPOINTS: readonly Endpoint[] = [
  ...identityEndpoints,
  ...incidentEndpoints,
  ...configEndpoints,
];
