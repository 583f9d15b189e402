// Writes on incident configuration: custom field options (create, update). Values are unique per field.
import { SimHttpError } from '../errors';
import { invalid, publicView } from './list';
import type { Endpoint, RouteContext } from './types';

const SETTINGS_WRITERS = ['manage_settings'];

function checkValue(ctx: RouteContext, fieldId: string, value: string, exceptId?: string): void {
  if (value !== value.trim() || /[\t\n\r]/.test(value) || value === '') {
    throw invalid('value', 'Values must not start or end with whitespace, or contain tabs or newlines');
  }
  const taken = ctx.db.custom_field_options.find(
    (o) => o.custom_field_id === fieldId && o.value === value && o.id !== exceptId
  );
  if (taken) {
    throw SimHttpError.one(
      422,
      'validation_error',
      'not_unique',
      `An option with the value "${value}" already exists`,
      'value'
    );
  }
}

export const configWriteEndpoints: Endpoint[] = [
  // Spec: POST /v1/custom_field_options (Custom Field Options V1#Create) — 201; select fields only.
  {
    route: 'POST /v1/custom_field_options',
    roles: SETTINGS_WRITERS,
    handle(ctx) {
      const b = ctx.body as { custom_field_id: string; value: string; sort_key?: number };
      const field = ctx.db.custom_fields.get(b.custom_field_id);
      if (!field) throw invalid('custom_field_id', `No custom field found with id ${b.custom_field_id}`);
      if (field.field_type !== 'single_select' && field.field_type !== 'multi_select') {
        throw invalid('custom_field_id', `${String(field.name)} is not a select field`);
      }
      checkValue(ctx, field.id, b.value);
      const option = ctx.db.custom_field_options.insert({
        id: ctx.db.newId('custom_field_options'),
        custom_field_id: field.id,
        value: b.value,
        sort_key: b.sort_key ?? 1000,
      });
      ctx.created('custom_field_options');
      return { custom_field_option: publicView(option) };
    },
  },
  // Spec: PUT /v1/custom_field_options/{id} (Custom Field Options V1#Update)
  {
    route: 'PUT /v1/custom_field_options/{id}',
    roles: SETTINGS_WRITERS,
    handle(ctx) {
      const current = ctx.db.custom_field_options.require(ctx.params.id);
      const b = ctx.body as { value: string; sort_key: number };
      checkValue(ctx, current.custom_field_id, b.value, current.id);
      const option = ctx.db.custom_field_options.update(current.id, { value: b.value, sort_key: b.sort_key });
      return { custom_field_option: publicView(option) };
    },
  },
];
