// Values every family of streams shares. Who may read a stream is not here: src/roles.ts answers it
// from the stream's path.
export const FULL: Array<'full_refresh'> = ['full_refresh'];
export const FULL_AND_INCREMENTAL: Array<'full_refresh' | 'incremental'> = ['full_refresh', 'incremental'];
export const BY_ID = [['id']];
