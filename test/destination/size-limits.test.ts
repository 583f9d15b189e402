// The destination's per-field size limit: every runaway string is named by its JSON pointer (nested
// ones too, keys escaped), never quoted back; ordinary records pass. And messages cut long values.
import { quoted } from '../../src/destination/names';
import { MAX_FIELD_CHARS, oversizedFields } from '../../src/destination/size-limits';

describe('oversizedFields', () => {
  it('names every string over the limit by JSON pointer, without quoting it', () => {
    const big = 'y'.repeat(11);
    const problems = oversizedFields(
      { name: big, ok: 'short', attributes: { 'a/b~c': [{ v: big }, 'fine'] }, n: 12345678901 },
      10
    );
    expect(problems.map((p) => p.field).sort()).toEqual(['/attributes/a~1b~0c/0/v', '/name']);
    for (const p of problems) {
      expect(p.reason).toMatch(/11 characters long; .* at most 10/);
      expect(p.reason).not.toContain(big);
    }
  });

  it('passes ordinary records and a value exactly at the limit', () => {
    expect(oversizedFields({ name: 'x'.repeat(MAX_FIELD_CHARS), tags: ['a', 'b'], n: null })).toEqual([]);
  });

  it('walks deep nesting without overflowing the stack', () => {
    let deep: unknown = 'z'.repeat(20);
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const problems = oversizedFields(deep, 10);
    expect(problems).toHaveLength(1);
    expect(problems[0].field.startsWith('/d/d/d')).toBe(true);
  });
});

describe('quoted', () => {
  it('quotes a short value whole and cuts a long one, saying how long it was', () => {
    expect(quoted('Sev 9')).toBe('"Sev 9"');
    const long = 'a'.repeat(5000);
    const q = quoted(long);
    expect(q).toBe(`"${'a'.repeat(16)}…" (5000 characters)`);
    expect(q.length).toBeLessThan(50);
  });
});
