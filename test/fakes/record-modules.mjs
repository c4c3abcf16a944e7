// Preloaded into a built bin (NODE_OPTIONS=--import <this file's URL>) by tests: at exit, writes
// the files of every CommonJS module the process loaded (an ESM `import` of a CommonJS package,
// as the AWS SDK's are, goes through the same cache) to RECORD_MODULES_FILE, one path a line.
// The product never loads it.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = process.env.RECORD_MODULES_FILE;
if (out) {
  const { cache } = createRequire(import.meta.url);
  process.on('exit', () => {
    writeFileSync(out, `${Object.keys(cache).join('\n')}\n`);
  });
}
