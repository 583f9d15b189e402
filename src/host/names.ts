// Names the person typed (--stream, --action, a catalog's streams) checked against the plugin's own:
// an unknown one is a usage error that lists the valid names and suggests the closest, so a typo
// never passes as "ok" or reads nothing.
import { distance } from 'fastest-levenshtein';
import { ConfigError, type FieldProblem } from '../errors';

/** Up to three valid names close to `given` (a typo, a missing plural, another case), closest first. */
export function closestNames(given: string, valid: readonly string[]): string[] {
  const wanted = given.toLowerCase();
  return (
    valid
      .map((name) => {
        const lower = name.toLowerCase();
        // One name inside the other ("incident" in "incidents", "alert" in "alert_sources") counts as close.
        const d = lower.includes(wanted) || wanted.includes(lower) ? 1 : distance(wanted, lower);
        return { name, d };
      })
      // A third of the shorter name may differ ("severity" → "severities"), and two letters always.
      .filter(({ name, d }) => d <= Math.max(2, Math.ceil(Math.min(given.length, name.length) / 3)))
      .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
      .slice(0, 3)
      .map(({ name }) => name)
  );
}

/**
 * The names, each once in the order first given; a config error on `option` for every unknown one,
 * with the closest valid names and the full list.
 */
export function checkNames(
  what: string,
  option: string,
  given: readonly string[],
  valid: readonly string[]
): string[] {
  const known = new Set(valid);
  const problems: FieldProblem[] = [];
  for (const name of new Set(given)) {
    if (known.has(name)) continue;
    const close = closestNames(name, valid);
    problems.push({
      field: option,
      reason:
        `"${name}" is not ${what}` +
        (close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : '.') +
        ` Valid: ${valid.join(', ')}`,
    });
  }
  if (problems.length) throw new ConfigError(`the ${option} option`, problems);
  return [...new Set(given)];
}
