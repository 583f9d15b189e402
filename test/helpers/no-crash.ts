// What a person may see from the CLI, whatever the input: a message, never "internal error", a stack
// trace or Node's internals (issue 13).

export function expectNoCrash(label: string, r: { stdout: string; stderr: string }): void {
  for (const [stream, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const) {
    const found = [
      /internal error/i.test(text) && 'internal error',
      /^\s{4}at /m.test(text) && 'a stack frame',
      /^\w*Error: /m.test(text) && 'an Error: line',
      /node:internal/.test(text) && 'node:internal',
      /Unhandled 'error' event/.test(text) && 'an unhandled error event',
    ].filter(Boolean);
    expect({ label, stream, found }).toEqual({ label, stream, found: [] });
  }
}
