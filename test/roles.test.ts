// The one role table (src/roles.ts): every stream's read roles and every action's write roles are
// read from it by path, so discover(), the probe's warnings and the 403 messages name the same roles.
import { ACTIONS, STREAMS } from '../src';
import { describeForbidden } from '../src/http/permissions';
import { readRolesOf, resourceOf, writeRolesOf } from '../src/roles';

/** A concrete request path for an endpoint template: "/v2/follow_ups/{id}" → "/v2/follow_ups/x1". */
const concrete = (template: string) => template.replace(/\{[^}]+\}/g, 'x1');

describe('role table', () => {
  it.each(STREAMS.map((s) => [s.name, s] as const))('stream %s reads its roles from the table', (_, s) => {
    const entry = resourceOf(s.path);
    expect(entry).toBeDefined();
    expect(readRolesOf(s)).toBe(entry!.read);
    expect(readRolesOf(s).length).toBeGreaterThan(0);
    // The 403 of its list endpoint names exactly the roles discover() names.
    expect(describeForbidden('GET', s.path)).toContain(`(Settings → API keys): ${readRolesOf(s).join(', ')}`);
  });

  it.each(ACTIONS.map((a) => [a.name, a] as const))('action %s reads its roles from the table', (_, a) => {
    const entry = resourceOf(concrete(a.endpoint.path));
    expect(entry).toBeDefined();
    expect(writeRolesOf(a)).toBe(entry!.write);
    expect(writeRolesOf(a).length).toBeGreaterThan(0);
    expect(describeForbidden(a.endpoint.method, concrete(a.endpoint.path))).toContain(
      `(Settings → API keys): ${writeRolesOf(a).join(', ')}`
    );
  });

  it('names the on-call and schedule roles for schedules everywhere (they had drifted)', () => {
    const schedules = STREAMS.filter((s) => s.path.startsWith('/v2/schedule'));
    expect(schedules.map((s) => s.name).sort()).toEqual([
      'schedule_entries',
      'schedule_overrides',
      'schedules',
    ]);
    for (const s of schedules) {
      expect(readRolesOf(s)).toEqual(expect.arrayContaining(['on_call_viewer', 'schedules_reader']));
      expect(describeForbidden('GET', s.path)).toContain('on_call_viewer');
    }
  });

  it('asks editing roles, not creating ones, to edit an incident', () => {
    expect(describeForbidden('POST', '/v2/incidents/01ABC/actions/edit')).toMatch(
      /: incident_editor, global_access$/
    );
    expect(describeForbidden('POST', '/v2/incidents')).toMatch(
      /: incident_creator, incident_editor, global_access$/
    );
  });

  it('words a path outside the table without naming roles', () => {
    expect(resourceOf('/v9/unknown')).toBeUndefined();
    expect(describeForbidden('GET', '/v9/unknown')).toContain('give the key a role that allows it');
  });
});
