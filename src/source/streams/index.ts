// Every stream this source reads. Adding one is one entry here plus its generated schema file; the
// manifest test checks that the manifest, schemas/streams and this list agree.
import { incidents } from './incidents';
import type { StreamDefinition } from './types';

export type { StreamDefinition } from './types';

export const STREAMS: StreamDefinition[] = [incidents];

export function findStream(name: string): StreamDefinition | undefined {
  return STREAMS.find((s) => s.name === name);
}
