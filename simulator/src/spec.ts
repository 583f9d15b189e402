// The vendored OpenAPI 3.0.3 spec is the simulator's contract: routes are matched against its paths and
// every request is validated against its operation (query, path and JSON body) with ajv.
import fs from 'fs';
import path from 'path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

// Resolves from simulator/src (ts-jest) and from dist/simulator (tsc build) alike.
export const SPEC_PATH = path.join(__dirname, '../../spec/openapi.json');
const SPEC_ID = 'openapi.json';

type JsonObject = Record<string, unknown>;

export interface SpecParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

export interface SpecOperation {
  operationId?: string;
  parameters?: SpecParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonObject }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
  'x-rbac-scopes'?: string[];
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, SpecOperation>>;
  components: { schemas: Record<string, JsonObject> };
}

export interface RouteMatch {
  /** "GET /v2/incidents/{id}": the key used by endpoints, faults and stats. */
  route: string;
  template: string;
  operation: SpecOperation;
  params: Record<string, string>;
}

export type RouteLookup = RouteMatch | { methodNotAllowed: true } | undefined;

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

interface CompiledRoute {
  method: string;
  template: string;
  segments: string[];
  literalCount: number;
  operation: SpecOperation;
}

/** Everything derived from the spec, loaded once per process: it is 4 MB and immutable. */
export class Spec {
  readonly doc: OpenApiDoc;
  private readonly routes: CompiledRoute[] = [];
  private readonly queryAjv: Ajv;
  private readonly bodyAjv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDoc) {
    this.doc = doc;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const segments = template.split('/').slice(1);
        const literalCount = segments.filter((s) => !s.startsWith('{')).length;
        this.routes.push({ method: method.toUpperCase(), template, segments, literalCount, operation });
      }
    }
    // Literal segments beat parameters: /v1/x/actions/revoke before /v1/x/{id}.
    this.routes.sort((a, b) => b.literalCount - a.literalCount);
    // OpenAPI 3.0 is not JSON Schema: strict:false ignores example/x-* keywords; ajv knows `nullable`.
    // Query strings need coercion ("25" → 25) and spec defaults; bodies must not be mutated.
    this.queryAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array', useDefaults: true });
    this.bodyAjv = new Ajv({ strict: false, allErrors: true });
    markNullable(doc.components.schemas);
    for (const ajv of [this.queryAjv, this.bodyAjv]) {
      addFormats(ajv);
      ajv.addSchema({ $id: SPEC_ID, components: doc.components });
    }
  }

  match(method: string, pathname: string): RouteLookup {
    const parts = pathname.split('/').slice(1);
    let pathMatched = false;
    for (const r of this.routes) {
      if (r.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = r.segments.every((seg, i) => {
        if (seg.startsWith('{')) {
          if (parts[i] === '') return false;
          const value = safeDecode(parts[i]);
          if (value === undefined) return false;
          params[seg.slice(1, -1)] = value;
          return true;
        }
        return seg === parts[i];
      });
      if (!ok) continue;
      if (r.method !== method) {
        pathMatched = true;
        continue;
      }
      return { route: `${method} ${r.template}`, template: r.template, operation: r.operation, params };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }

  operation(method: string, template: string): SpecOperation | undefined {
    return this.doc.paths[template]?.[method.toLowerCase()];
  }

  /** Validates (and coerces, and fills defaults into) the parsed query object of an operation. */
  validateQuery(m: RouteMatch, query: JsonObject): FieldError[] {
    return this.run(`query ${m.route}`, () => this.paramSchema(m.operation, 'query'), query, 'query');
  }

  validatePath(m: RouteMatch): FieldError[] {
    return this.run(`path ${m.route}`, () => this.paramSchema(m.operation, 'path'), m.params, 'query');
  }

  validateBody(m: RouteMatch, body: unknown): FieldError[] {
    const schema = m.operation.requestBody?.content?.['application/json']?.schema;
    if (!schema) return [];
    return this.run(`body ${m.route}`, () => rebase(schema), body, 'body');
  }

  /** The enum of a string property (or of its array items) of a component schema. */
  enumOf(component: string, property: string): string[] {
    const prop = (this.doc.components.schemas[component]?.properties as JsonObject | undefined)?.[
      property
    ] as { enum?: string[]; items?: { enum?: string[] } } | undefined;
    return prop?.enum ?? prop?.items?.enum ?? [];
  }

  private paramSchema(op: SpecOperation, where: 'query' | 'path'): JsonObject {
    const params = (op.parameters ?? []).filter((p) => p.in === where);
    return {
      type: 'object',
      additionalProperties: false,
      // A required parameter must be sent: its spec default would otherwise fill it in (useDefaults
      // runs before `required` is checked), e.g. page_size of /v2/alerts.
      properties: Object.fromEntries(
        params.map((p) => [p.name, rebase(p.required ? withoutDefault(p.schema ?? {}) : (p.schema ?? {}))])
      ),
      required: params.filter((p) => p.required).map((p) => p.name),
    };
  }

  private run(
    cacheKey: string,
    schema: () => JsonObject,
    data: unknown,
    kind: 'query' | 'body'
  ): FieldError[] {
    const validate = this.compile(cacheKey, schema, kind);
    return validate(data) ? [] : (validate.errors ?? []).map((e) => toFieldError(e, kind));
  }

  private compile(cacheKey: string, schema: () => JsonObject, kind: 'query' | 'body'): ValidateFunction {
    let v = this.validators.get(cacheKey);
    if (!v) {
      v = (kind === 'query' ? this.queryAjv : this.bodyAjv).compile(schema());
      this.validators.set(cacheKey, v);
    }
    return v;
  }
}

/**
 * Properties whose description says to send null ("Set to null to unassign", FollowUpsUpdatePayloadV2)
 * accept null, although their schema type says string: the description is the API's documented use.
 */
function markNullable(schemas: Record<string, JsonObject>): void {
  for (const schema of Object.values(schemas)) {
    for (const prop of Object.values((schema.properties ?? {}) as Record<string, JsonObject>)) {
      if (typeof prop.description === 'string' && /set to null/i.test(prop.description)) prop.nullable = true;
    }
  }
}

/** Inline schemas from the spec use "#/components/..." refs; point them at the registered document. */
function rebase(schema: unknown): JsonObject {
  return JSON.parse(JSON.stringify(schema), (k, v) =>
    k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? SPEC_ID + v : v
  ) as JsonObject;
}

function withoutDefault(schema: JsonObject): JsonObject {
  const { default: _default, ...rest } = schema;
  return rest;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Query fields are named as sent (`created_at[gte]`), body fields as a dotted path (`a.0.b`). */
function toFieldError(e: ErrorObject, kind: 'query' | 'body'): FieldError {
  const parts = e.instancePath.split('/').slice(1);
  let code = 'invalid_value';
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    parts.push(String(e.params.missingProperty));
    code = 'is_required';
    message = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    parts.push(String(e.params.additionalProperty));
    code = 'unknown_parameter';
    message = 'is not a parameter of this operation';
  } else if (e.keyword === 'type') {
    code = 'invalid_type';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  }
  const field =
    kind === 'query'
      ? (parts[0] ?? '') +
        parts
          .slice(1)
          .map((p) => `[${p}]`)
          .join('')
      : parts.join('.');
  return { field, code, message };
}

let cached: Spec | undefined;

/** The process-wide spec (parsing and indexing it costs ~150 ms, so it is done once). */
export function loadSpec(): Spec {
  cached ??= new Spec(JSON.parse(fs.readFileSync(SPEC_PATH, 'utf8')) as OpenApiDoc);
  return cached;
}
