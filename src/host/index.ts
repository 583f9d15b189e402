export { loadPlugin } from './loader';
export type { LoadedPlugin } from './loader';
export { CredentialStore, defaultStoreDir } from './credential-store';
export type { StoredCredentialInfo } from './credential-store';
