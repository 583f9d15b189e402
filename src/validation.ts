// Validators of this package's schema files, compiled once each (ajv caches by object identity,
// so a schema compiled twice costs twice) or ahead by the build, and the translation of ajv errors into field problems
// that never echo the value (verbose stays off).
import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import fs from 'node:fs';
import path from 'node:path';
import type { FieldProblem } from './errors';

/** Root of the package (schemas/, spec/ and the manifest live there), from src/ or dist/. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');

/**
 * The one ajv configuration: report everything, fill defaults. `source` keeps the generated code, for
 * scripts/compile-validators.js.
 */
export function newConfigAjv(opts: { source?: boolean } = {}): Ajv2020 {
  // Loaded here, not at the top: with validators compiled ahead, a run never needs ajv itself.
  const { default: Ajv } = require('ajv/dist/2020') as typeof import('ajv/dist/2020');
  const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    useDefaults: true,
    ...(opts.source ? { code: { source: true } } : {}),
  });
  addFormats(ajv, { mode: 'fast' });
  // Our annotation for secret fields (next to the standard writeOnly).
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv;
}

let ajv: Ajv2020 | undefined;
const cache = new Map<string, ValidateFunction>();

/** Where the build writes this package's validators, compiled ahead (dist/validators/<schema>.js). */
export const PRECOMPILED_DIR = path.join(__dirname, 'validators');

/** The schema files whose validators the build compiles ahead: schemas/*.json and schemas/actions/*.json. */
export function precompiledSchemas(): string[] {
  return ['schemas', 'schemas/actions'].flatMap((dir) =>
    fs
      .readdirSync(path.join(PACKAGE_ROOT, dir))
      .filter((f) => f.endsWith('.json'))
      .map((f) => `${dir}/${f}`)
  );
}

export function loadSchema(relPath: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, relPath), 'utf8')) as Record<string, unknown>;
}

/**
 * Compiled validator of a schema file of this package: the one the build compiled ahead when there is
 * one (compiling at start-up cost the CLI about 150 ms before its first request), else compiled here,
 * once.
 */
export function validatorFor(relPath: string): ValidateFunction {
  let v = cache.get(relPath);
  if (!v) {
    const ahead = path.join(PRECOMPILED_DIR, `${relPath}.js`);
    if (fs.existsSync(ahead)) {
      v = require(ahead) as ValidateFunction;
    } else {
      ajv ??= newConfigAjv();
      v = ajv.compile(loadSchema(relPath));
    }
    cache.set(relPath, v);
  }
  return v;
}

/** An unknown field's name is echoed back; a long one may be a pasted secret, so only its start is. */
function shortName(name: string): string {
  return name.length > 32 ? `${name.slice(0, 4)}…` : name;
}

/**
 * The same for the keys of open maps (page_sizes, custom_fields, mapping, attributes…), which ajv puts
 * in the path: a long segment holding a long run without spaces looks like a pasted secret, not a
 * name, and is shortened; names ("Customer Impact Assessment"), schema fields and ids stay as they are.
 */
function safePath(pointer: string): string {
  return pointer.split('/').map(safeSegment).join('/');
}

function safeSegment(segment: string): string {
  return segment.length > 32 && /\S{24,}/.test(segment) ? shortName(segment) : segment;
}

/** A map key as a JSON-pointer segment for a message, shortened when it looks like a secret. */
export function pointerSegment(name: string): string {
  return safeSegment(name.replace(/~/g, '~0').replace(/\//g, '~1'));
}

export function toProblems(errors: ErrorObject[] | null | undefined): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let field = safePath(e.instancePath || '');
    let reason: string;
    switch (e.keyword) {
      case 'required':
        field = `${field}/${(e.params as { missingProperty: string }).missingProperty}`;
        reason = 'is required';
        break;
      case 'additionalProperties':
        field = `${field}/${shortName((e.params as { additionalProperty: string }).additionalProperty)}`;
        reason = 'is not a known field';
        break;
      case 'enum':
        reason = `must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
        break;
      case 'pattern':
        reason = 'has an invalid format';
        break;
      default:
        reason = e.message ?? 'is invalid';
    }
    const k = `${field}|${reason}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push({ field: field || '/', reason });
    }
  }
  return out;
}
