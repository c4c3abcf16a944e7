// Preloaded into a built bin (NODE_OPTIONS=--require <this file>) by tests: at exit, writes the
// files of every CommonJS module the process loaded (ESM `import` of a CommonJS package goes
// through the same cache) to RECORD_MODULES_FILE, one path a line. The product never loads it.
'use strict';
const { writeFileSync } = require('node:fs');

const out = process.env.RECORD_MODULES_FILE;
if (out) {
  process.on('exit', () => {
    writeFileSync(out, `${Object.keys(require.cache).join('\n')}\n`);
  });
}
