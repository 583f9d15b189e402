// The console's HTTP API as both sides see it: the server (src/host/console) and the UI (./ui) import
// these types, so the two cannot drift apart. Types only: nothing here runs in either.
import type {
  Identity,
  ManifestStream,
  ProbeResult,
  StreamDescriptor,
  SyncMode,
  WriteResult,
} from '../../contract';
import type { WriteSummary } from '../commands/write';

export type { WriteSummary };

export type JsonSchema = Record<string, unknown>;

/** A connector tile: what the manifest says about the plugin. */
export interface ConnectorTile {
  id: string;
  name: string;
  description: string;
  /** Served by the console from the manifest's logo file; absent when the manifest names none. */
  logoUrl?: string;
  capabilities: Record<string, boolean>;
}

export interface ActionInfo {
  name: string;
  description: string;
  /** Roles any one of which allows the action. */
  roles: string[];
  idempotency: string;
  inputSchema: JsonSchema;
}

/** Everything the screens of one connector are drawn from: its manifest and its schemas. */
export interface ConnectorDetails extends ConnectorTile {
  credentialTypes: Array<{ id: string; name: string; schema: JsonSchema }>;
  source?: { configSchema: JsonSchema; streams: ManifestStream[] };
  destination?: { configSchema: JsonSchema; actions: ActionInfo[] };
}

export interface CredentialCheck {
  at: string;
  ok: boolean;
  /** The probe's failure kind when it failed. */
  failure?: string;
  message?: string;
}

/** A saved credential as the console shows it: never the key. */
export interface CredentialTile {
  name: string;
  description: string;
  baseUrl: string;
  createdAt: string;
  identity?: Pick<Identity, 'name' | 'roles' | 'teamRoles' | 'dashboardUrl'>;
  lastChecked?: CredentialCheck;
}

export interface SaveCredentialRequest {
  name: string;
  description?: string;
  /** The values of the plugin's credential schema (the key travels here once, to the server). */
  credential: Record<string, unknown>;
}

/** Saving or replacing a key: the probe's answer, and the tile when it was saved. */
export interface SaveCredentialResponse {
  saved: boolean;
  probe: ProbeResult;
  credential?: CredentialTile;
}

export interface TestCredentialRequest {
  /** Warn about roles the key lacks for this action. */
  action?: string;
  /** Warn about roles the key lacks for these streams. */
  streams?: string[];
}

export type DiscoveredStream = Omit<StreamDescriptor, 'jsonSchema'>;

export interface SampleRequest {
  stream: string;
  config: Record<string, unknown>;
  limit?: number;
}

export interface StreamProgress {
  status: 'waiting' | 'running' | 'complete' | 'incomplete';
  records: number;
  pages: number;
  /** Records per second since the stream started. */
  rate: number;
  error?: { failureType: string; message: string; requestId?: string };
}

/** Waits the key's rate limiter imposed on this run (the limiter is per key, not per stream). */
export interface RateLimitProgress {
  /** Requests that had to wait for a token. */
  waits: number;
  waitedMs: number;
  /** 429 answers that paused every request on the key. */
  pauses: number;
}

export type RunStatus = 'running' | 'complete' | 'incomplete' | 'cancelled' | 'failed';

/** One run started from the console, as kept in the history (never a key or another secret). */
export interface RunRecord {
  id: string;
  kind: 'source' | 'destination';
  connector: string;
  credential: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  message?: string;
  /** The config the run used, without the fields its schema marks secret. */
  config: Record<string, unknown>;
  // Source runs.
  streams?: string[];
  syncMode?: SyncMode;
  /** The run whose final state this one started from. */
  incrementalFrom?: string;
  progress?: Record<string, StreamProgress>;
  // Destination runs.
  action?: string;
  dryRun?: boolean;
  summary?: WriteSummary;
  rateLimit: RateLimitProgress;
  /** Files of this run that can be downloaded (records per stream, state, results, dead letters). */
  files: string[];
}

export interface StartSourceRun {
  kind: 'source';
  connector: string;
  credential: string;
  streams: string[];
  config: Record<string, unknown>;
  /** Continue incrementally from the final state of this earlier run. */
  incrementalFrom?: string;
}

export interface StartDestinationRun {
  kind: 'destination';
  connector: string;
  credential: string;
  /** The destination config (action and mapping included). */
  config: Record<string, unknown>;
  records: unknown[];
  dryRun: boolean;
}

export type StartRun = StartSourceRun | StartDestinationRun;

export interface RunResults {
  results: WriteResult[];
  /** True when the run has more results than were returned. */
  truncated: boolean;
}

export interface ApiErrorBody {
  error: {
    failureType: string;
    message: string;
    requestId?: string;
    problems?: Array<{ field: string; reason: string }>;
  };
}

export interface SessionInfo {
  csrfToken: string;
}

export const CSRF_HEADER = 'x-csrf-token';
