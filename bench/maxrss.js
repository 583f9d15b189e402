// Preloaded into a benchmarked CLI process: reports its peak resident set size (KB) on fd 3.
'use strict';
const fs = require('node:fs');
process.on('exit', () => {
  try {
    fs.writeSync(3, `${process.resourceUsage().maxRSS}\n`);
  } catch {
    /* not run by the benchmark: no fd 3 */
  }
});
