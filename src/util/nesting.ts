// How deeply objects and lists nest in a value, counted with an explicit stack: the values this is
// for are the ones nested deep enough to overflow recursion.

/** Containers nested in `value` ({} is 1), counting stops as soon as it passes `limit`. */
export function nestingDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: Array<[object, number]> = [];
  if (value !== null && typeof value === 'object') stack.push([value, 1]);
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child as object, depth + 1]);
    }
  }
  return max;
}
