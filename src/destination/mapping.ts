// Field mapping from any record shape to an action's input (destination config `mapping`). Each entry
// maps one input field (a name, or a JSON pointer into the input for nested fields) from:
//   - a JSON pointer into the record:      "/service/name"   ("" is the whole record)
//   - a constant:                          { "const": "public" }
//   - a template:                          "{{service}} is down" (dotted paths or pointers inside {{ }})
// Without a mapping the record is the input as it is.
import { ConfigError, FieldProblem } from '../errors';

export type MappingSpec = Record<string, string | { const: unknown }>;

type Getter = (record: unknown) => { value?: unknown; problem?: string };

interface CompiledEntry {
  target: string[];
  /** The input field as a pointer, for messages. */
  field: string;
  source: string;
  get: Getter;
}

/** RFC 6901 pointer → tokens; undefined when it is not a pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~[^01]|~$/.test(t))) return undefined;
  return tokens.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(record: unknown, tokens: string[]): unknown {
  let value: unknown = record;
  for (const t of tokens) {
    if (Array.isArray(value)) {
      if (!/^(0|[1-9]\d*)$/.test(t)) return undefined;
      value = value[Number(t)];
    } else if (value !== null && typeof value === 'object') {
      value = Object.prototype.hasOwnProperty.call(value, t)
        ? (value as Record<string, unknown>)[t]
        : undefined;
    } else return undefined;
  }
  return value;
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Segments that lead to an object's prototype instead of its data: writing through one would change
 * every object of the process (prototype pollution). A mapping never names one.
 */
const PROTOTYPE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

function prototypeSegment(tokens: string[]): string | undefined {
  return tokens.find((t) => PROTOTYPE_SEGMENTS.has(t));
}

function templatePath(expr: string): string[] | undefined {
  if (expr.startsWith('/')) return parsePointer(expr);
  if (!/^[^.\s]+(\.[^.\s]+)*$/.test(expr)) return undefined;
  return expr.split('.');
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export class Mapping {
  private readonly entries: CompiledEntry[];

  constructor(spec: MappingSpec) {
    const problems: FieldProblem[] = [];
    this.entries = [];
    for (const [key, rule] of Object.entries(spec)) {
      const at = `/mapping/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const target = key.startsWith('/') ? parsePointer(key) : [key];
      if (!target || target.length === 0) {
        problems.push({ field: at, reason: 'must name an input field or be a JSON pointer into the input' });
        continue;
      }
      const field = `/${target.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
      const badTarget = prototypeSegment(target);
      if (badTarget !== undefined) {
        problems.push({
          field: at,
          reason: `must not name "${badTarget}" (it is not a field: it leads to every object's prototype)`,
        });
        continue;
      }
      if (typeof rule === 'object' && rule !== null) {
        const value = rule.const;
        this.entries.push({
          target,
          field,
          source: 'a constant',
          get: () => ({ value: structuredClone(value) }),
        });
        continue;
      }
      if (rule.includes('{{')) {
        const parts: Array<string | { expr: string; path: string[] }> = [];
        let last = 0;
        let bad: string | undefined;
        for (const m of rule.matchAll(TEMPLATE)) {
          parts.push(rule.slice(last, m.index));
          const path = templatePath(m[1]);
          if (!path) bad = m[1];
          parts.push({ expr: m[1], path: path ?? [] });
          last = (m.index ?? 0) + m[0].length;
        }
        parts.push(rule.slice(last));
        if (bad !== undefined) {
          problems.push({ field: at, reason: `{{${bad}}} is not a dotted path or a JSON pointer` });
          continue;
        }
        // Outside the {{ }} pairs, a lone "{{" or "}}" is a template cut short, not text.
        if (parts.some((p) => typeof p === 'string' && (p.includes('{{') || p.includes('}}')))) {
          problems.push({
            field: at,
            reason: 'has "{{" without a closing "}}" (or "}}" without an opening "{{")',
          });
          continue;
        }
        const badPath = parts
          .map((p) => (typeof p === 'string' ? undefined : prototypeSegment(p.path)))
          .find((t) => t !== undefined);
        if (badPath !== undefined) {
          problems.push({
            field: at,
            reason: `must not refer to "${badPath}" (it is not a field of a record)`,
          });
          continue;
        }
        this.entries.push({
          target,
          field,
          source: `the template "${rule}"`,
          get: (record) => {
            let out = '';
            for (const p of parts) {
              if (typeof p === 'string') {
                out += p;
                continue;
              }
              const v = getAt(record, p.path);
              if (v === undefined || v === null) {
                return {
                  problem: `the template "${rule}" needs {{${p.expr}}}, which the record does not have`,
                };
              }
              out += render(v);
            }
            return { value: out };
          },
        });
        continue;
      }
      const pointer = parsePointer(rule);
      if (!pointer) {
        problems.push({
          field: at,
          reason:
            'must be a JSON pointer into the record ("/service/name"), a template ("{{service}} is down") or {"const": value}',
        });
        continue;
      }
      const badSource = prototypeSegment(pointer);
      if (badSource !== undefined) {
        problems.push({
          field: at,
          reason: `must not refer to "${badSource}" (it is not a field of a record)`,
        });
        continue;
      }
      this.entries.push({
        target,
        field,
        source: rule === '' ? 'the whole record' : `the record's ${rule}`,
        get: (record) => ({ value: structuredClone(getAt(record, pointer)) }),
      });
    }
    if (problems.length > 0) throw new ConfigError('the destination config', problems);
  }

  /** The action input of one record; problems for templates the record cannot fill. */
  apply(record: unknown): { input: Record<string, unknown>; problems: FieldProblem[] } {
    // Built on objects without a prototype: no key, whatever it is, can reach Object.prototype.
    const input: Record<string, unknown> = Object.create(null);
    const problems: FieldProblem[] = [];
    for (const e of this.entries) {
      const { value, problem } = e.get(record);
      if (problem) {
        problems.push({ field: e.field, reason: problem });
        continue;
      }
      if (value === undefined) continue;
      let obj = input;
      for (const t of e.target.slice(0, -1)) {
        const next = obj[t];
        if (next === null || typeof next !== 'object' || Array.isArray(next)) obj[t] = Object.create(null);
        obj = obj[t] as Record<string, unknown>;
      }
      obj[e.target[e.target.length - 1]] = value;
    }
    // Plain objects again for what follows (validation, the actions); a copy keeps every key as data.
    return { input: structuredClone(input), problems };
  }

  /** Where an input field comes from (for messages about fields the record did not fill). */
  sourceOf(field: string): string | undefined {
    return this.entries.find((e) => field === e.field || field.startsWith(`${e.field}/`))?.source;
  }
}
