import { BadRecordError } from '../../errors';
import { CUSTOM_FIELDS, CustomFieldOption, customFieldOptions } from '../names';
import { defineAction } from './types';

interface CustomFieldOptionInput {
  custom_field: string;
  value: string;
  sort_key?: number;
}

// Spec: POST /v1/custom_field_options (Custom Field Options V1#Create) — https://docs.incident.io/api-reference/custom-field-options-v1/create
// Spec: PUT /v1/custom_field_options/{id} (Custom Field Options V1#Update) — https://docs.incident.io/api-reference/custom-field-options-v1/update
// Values are unique per field: the field's options are listed once per run (GET /v1/custom_field_options)
// and an existing value is left alone, or given the record's sort_key.
export const createCustomFieldOption = defineAction<CustomFieldOptionInput>({
  name: 'create_custom_field_option',
  description:
    'Adds an option to a select custom field, or updates the sort key of the option with that value.',
  docs: 'https://docs.incident.io/api-reference/custom-field-options-v1/create',
  input: 'schemas/actions/create_custom_field_option.json',
  idempotency:
    "upsert by value: the field's options are listed once per run; an option with the same value is reported as existing (or updated when the record's sort_key differs) instead of created again",
  endpoint: { method: 'POST', path: '/v1/custom_field_options' },
  readme: { endpointNote: ' (`PUT` for a new sort key)', idempotency: 'upsert by value' },
  idempotent: false,
  async prepare(input, _basis, ctx) {
    const field = await ctx.names.resolveItem(CUSTOM_FIELDS, input.custom_field, '/custom_field');
    if (field.field_type !== 'single_select' && field.field_type !== 'multi_select') {
      throw new BadRecordError([
        {
          field: '/custom_field',
          reason: `${field.name} is a ${field.field_type} field: only select fields have options`,
        },
      ]);
    }
    const options = await ctx.names.list<CustomFieldOption>(customFieldOptions(field.id));
    const existing = options.find((o) => o.value === input.value);
    if (existing) {
      if (input.sort_key === undefined || input.sort_key === existing.sort_key) {
        return { done: { id: existing.id, outcome: 'existing' } };
      }
      return {
        targetId: existing.id,
        request: {
          method: 'PUT',
          path: `/v1/custom_field_options/${encodeURIComponent(existing.id)}`,
          route: 'PUT /v1/custom_field_options/{id}',
          body: { value: existing.value, sort_key: input.sort_key },
        },
        interpret(data) {
          const o = (data as { custom_field_option: CustomFieldOption }).custom_field_option;
          existing.sort_key = o.sort_key;
          return { id: o.id, outcome: 'updated' };
        },
      };
    }
    return {
      claim: `custom_field_option:${field.id}:${input.value}`,
      async recheck() {
        ctx.names.forget(customFieldOptions(field.id));
        const found = (await ctx.names.list<CustomFieldOption>(customFieldOptions(field.id))).find(
          (o) => o.value === input.value
        );
        return found && { id: found.id, outcome: 'created' };
      },
      request: {
        method: 'POST',
        path: '/v1/custom_field_options',
        body: { custom_field_id: field.id, value: input.value, sort_key: input.sort_key ?? 1000 },
      },
      interpret(data) {
        const o = (data as { custom_field_option: CustomFieldOption }).custom_field_option;
        options.push(o);
        return { id: o.id, outcome: 'created' };
      },
    };
  },
});
