// The mapping editor, generated from an action's input schema: each input field comes from a JSON
// pointer into the record, a template ("{{service}} is down") or a constant, or stays unmapped. It
// produces the destination config's `mapping` (keys are input fields; a pointer or template is a
// string, a constant is {"const": value}).
import type { JsonSchema } from '../api-types';
import { TableHead } from './RecordsTable';

export type RuleMode = '' | 'pointer' | 'template' | 'const';
export interface Rule {
  mode: RuleMode;
  value: string;
}
export type Rules = Record<string, Rule>;

interface FieldSchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  title?: string;
}

function fields(schema: JsonSchema): Array<[string, FieldSchema]> {
  return Object.entries((schema.properties ?? {}) as Record<string, FieldSchema>);
}

function typeText(f: FieldSchema): string {
  if (f.enum) return `one of ${f.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  return Array.isArray(f.type) ? f.type.join(' | ') : (f.type ?? 'any');
}

/** A constant as the field's type wants it: text for strings, JSON for the rest (text if it is not JSON). */
function constant(f: FieldSchema, text: string): unknown {
  const types = Array.isArray(f.type) ? f.type : [f.type];
  if (types.includes('string') && !f.enum?.some((v) => typeof v !== 'string')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The destination config's mapping from the rules; undefined when nothing is mapped. */
export function toMapping(schema: JsonSchema, rules: Rules): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const byName = new Map(fields(schema));
  for (const [name, rule] of Object.entries(rules)) {
    if (rule.mode === 'pointer' || rule.mode === 'template') out[name] = rule.value;
    else if (rule.mode === 'const') out[name] = { const: constant(byName.get(name) ?? {}, rule.value) };
  }
  return Object.keys(out).length ? out : undefined;
}

const PLACEHOLDER: Record<RuleMode, string> = {
  '': '',
  pointer: '/field/in/the/record',
  template: '{{field}} text',
  const: 'value',
};

export function MappingEditor(props: {
  action: string;
  schema: JsonSchema;
  rules: Rules;
  onChange(r: Rules): void;
}) {
  const required = (props.schema.required as string[] | undefined) ?? [];
  const set = (name: string, rule: Rule) => props.onChange({ ...props.rules, [name]: rule });
  return (
    <table className="data mapping">
      <caption>Where each input field of {props.action} comes from (unmapped fields are left out)</caption>
      <TableHead columns={['Input field', 'From', 'Pointer, template or constant']} />
      <tbody>
        {fields(props.schema).map(([name, f]) => {
          const rule = props.rules[name] ?? { mode: '', value: '' };
          const id = `map-${name}`;
          return (
            <tr key={name}>
              <th scope="row">
                <code>{name}</code>
                {required.includes(name) && <span title="required"> *</span>}
                <div className="muted">{typeText(f)}</div>
                {f.description && <div className="hint">{f.description}</div>}
              </th>
              <td>
                <label className="visually-hidden" htmlFor={`${id}-mode`}>
                  Source of {name}
                </label>
                <select
                  id={`${id}-mode`}
                  value={rule.mode}
                  onChange={(e) => set(name, { ...rule, mode: e.target.value as RuleMode })}
                >
                  <option value="">not mapped</option>
                  <option value="pointer">JSON pointer</option>
                  <option value="template">template</option>
                  <option value="const">constant</option>
                </select>
              </td>
              <td>
                <label className="visually-hidden" htmlFor={`${id}-value`}>
                  Value of {name}
                </label>
                {rule.mode === 'const' && f.enum ? (
                  <select
                    id={`${id}-value`}
                    value={rule.value}
                    onChange={(e) => set(name, { ...rule, value: e.target.value })}
                  >
                    <option value="">(choose)</option>
                    {f.enum.map((v) => (
                      <option key={String(v)} value={typeof v === 'string' ? v : JSON.stringify(v)}>
                        {String(v)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    id={`${id}-value`}
                    value={rule.value}
                    disabled={rule.mode === ''}
                    placeholder={PLACEHOLDER[rule.mode]}
                    onChange={(e) => set(name, { ...rule, value: e.target.value })}
                  />
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
