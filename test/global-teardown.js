// Fails the run when a simulator in a child process that inherited the run's environment (rather than
// a test file's, test/setup/live-rules.ts) saw a request that the live incident.io API refuses.
const fs = require('node:fs');
const path = require('node:path');

module.exports = async function globalTeardown() {
  const dir = process.env.INCIDENT_IO_SIMULATOR_VIOLATIONS_DIR;
  if (!dir || !fs.existsSync(dir)) return;
  const seen = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
  fs.rmSync(dir, { recursive: true, force: true });
  if (seen.length > 0) {
    const list = seen.map((v) => `  ${v.route} [${v.rule}] ${v.detail}`).join('\n');
    throw new Error(
      `${seen.length} request(s) that the live incident.io API refuses reached a simulator in a child process:\n${list}`
    );
  }
};
