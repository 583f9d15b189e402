// A form generated from one of the plugin's JSON schemas by react-jsonschema-form, validated by the
// validators compiled ahead from the same schema (the CSP forbids compiling them here). What the
// schema says decides how a field is drawn: a secret (writeOnly / x-secret) is a password field that
// is never pre-filled; an optional field with a default, or an optional secret, sits under
// "Advanced"; fields that the console fills from its own controls (a stream picker, the mapping
// editor) are hidden.
import { forwardRef, type ReactElement } from 'react';
import Form, { getDefaultRegistry } from '@rjsf/core';
import type {
  FieldProps,
  ObjectFieldTemplateProps,
  ObjectFieldTemplatePropertyType,
  RJSFSchema,
  UiSchema,
  ValidatorType,
} from '@rjsf/utils';
import createPrecompiledValidator from '@rjsf/validator-ajv8/lib/createPrecompiledValidator.js';
import validators from 'console-validators';
import type { JsonSchema } from '../api-types';

type Values = Record<string, unknown>;

const cache = new Map<string, ValidatorType>();
function validatorFor(schema: RJSFSchema): ValidatorType {
  const key = JSON.stringify(schema);
  let v = cache.get(key);
  if (!v) {
    v = createPrecompiledValidator(validators, schema);
    cache.set(key, v);
  }
  return v;
}

function properties(schema: JsonSchema): Record<string, Record<string, unknown>> {
  return (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
}

export function isSecret(s: Record<string, unknown> | undefined): boolean {
  return s?.writeOnly === true || s?.['x-secret'] === true;
}

function isAdvanced(schema: JsonSchema, name: string): boolean {
  const required = (schema.required as string[] | undefined) ?? [];
  const prop = properties(schema)[name];
  // An optional secret serves an optional feature (the webhook signing secret): not for everyone.
  return !required.includes(name) && (prop?.default !== undefined || isSecret(prop));
}

function uiSchemaFor(schema: JsonSchema, hidden: string[]): UiSchema {
  const ui: UiSchema = { 'ui:submitButtonOptions': { norender: true } };
  for (const [name, prop] of Object.entries(properties(schema))) {
    if (hidden.includes(name)) ui[name] = { 'ui:field': 'hidden' };
    else if (isSecret(prop)) ui[name] = { 'ui:widget': 'password', 'ui:autocomplete': 'off' };
  }
  return ui;
}

const HiddenField = (_props: FieldProps): null => null;

const DefaultObjectTemplate = getDefaultRegistry().templates.ObjectFieldTemplate;

/** The root object's optional fields with a default go in a collapsed "Advanced" section. */
function ObjectTemplate(props: ObjectFieldTemplateProps): ReactElement {
  if (props.fieldPathId.path.length > 0) return <DefaultObjectTemplate {...props} />;
  const schema = props.schema as JsonSchema;
  const basic = props.properties.filter((p) => !isAdvanced(schema, p.name));
  const advanced = props.properties.filter((p) => isAdvanced(schema, p.name) && !p.hidden);
  const section: ObjectFieldTemplatePropertyType = {
    name: '__advanced',
    hidden: false,
    content: (
      <details key="__advanced" className="advanced">
        <summary>Advanced</summary>
        {advanced.map((p) => p.content)}
      </details>
    ),
  };
  return <DefaultObjectTemplate {...props} properties={advanced.length ? [...basic, section] : basic} />;
}

export interface SchemaFormProps {
  schema: JsonSchema;
  values: Values;
  onChange(values: Values): void;
  /** Properties the console sets itself. */
  hidden?: string[];
  idPrefix: string;
  disabled?: boolean;
}

/**
 * The fields of a schema, without a <form> of their own (they sit in the caller's form, which submits
 * them); the ref's validateForm() shows the errors and says whether the values are valid.
 */
export const SchemaForm = forwardRef<Form, SchemaFormProps>(function SchemaForm(props, ref) {
  const schema = props.schema as RJSFSchema;
  return (
    <Form
      ref={ref}
      tagName="div"
      schema={schema}
      uiSchema={uiSchemaFor(props.schema, props.hidden ?? [])}
      formData={props.values}
      onChange={(e) => props.onChange((e.formData ?? {}) as Values)}
      validator={validatorFor(schema)}
      fields={{ hidden: HiddenField }}
      templates={{ ObjectFieldTemplate: ObjectTemplate }}
      idPrefix={props.idPrefix}
      disabled={props.disabled}
      showErrorList="top"
      noHtml5Validate
    >
      <></>
    </Form>
  );
});

/** A titled section holding a schema's form (in a <form> of its own that never submits). */
export const ConfigSection = forwardRef<Form, SchemaFormProps & { title: string; titleId: string }>(
  function ConfigSection({ title, titleId, ...props }, ref) {
    return (
      <section aria-labelledby={titleId}>
        <h3 id={titleId}>{title}</h3>
        <form onSubmit={(e) => e.preventDefault()} noValidate>
          <SchemaForm ref={ref} {...props} />
        </form>
      </section>
    );
  }
);
