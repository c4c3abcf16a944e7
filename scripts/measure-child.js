// Runs a bin in this process and, at exit, writes its peak RSS and CPU time to BENCH_RUSAGE_FILE.
// Used by scripts/bench.js only: the product itself never reads this variable.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bin, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], bin, ...args];
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.BENCH_RUSAGE_FILE, JSON.stringify({ maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime }));
});
await import(pathToFileURL(bin).href);
