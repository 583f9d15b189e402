// How deeply objects and lists nest in a value, counted with an explicit stack: the values this is
// for are the ones nested deep enough to overflow recursion. It runs on every record a source emits,
// so it allocates nothing per container but two stack slots (a few µs for an incident; `for in`
// because JSON objects have no inherited enumerable keys, and it is twice as fast as Object.keys).

/** Containers nested in `value` ({} is 1); counting stops as soon as it passes `limit`. */
export function nestingDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const containers: object[] = [];
  const depths: number[] = [];
  if (value !== null && typeof value === 'object') {
    containers.push(value);
    depths.push(1);
  }
  while (containers.length > 0) {
    const v = containers.pop() as Record<string, unknown> | unknown[];
    const depth = depths.pop()!;
    if (depth > max) {
      max = depth;
      if (max > limit) return max;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child = v[i];
        if (child !== null && typeof child === 'object') {
          containers.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in v) {
        const child = v[key];
        if (child !== null && typeof child === 'object') {
          containers.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return max;
}
