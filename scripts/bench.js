// npm run bench: speed and memory figures for the commands, printed as figures and ratios.
// Never a pass/fail test: a slow machine prints slower numbers, nothing fails.
// docs/performance.md keeps the figures of the last run and explains each column.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { defaultSeed, makeChallenge, startSandbox } from '../dist/sandbox/index.js';
import { decideWorkers } from '../dist/commands/scale-workers/decide.js';
import { DEFAULTS } from '../dist/runtime/defaults.js';
import { parseTrace } from '../dist/simulate/trace.js';
import { simulate } from '../dist/simulate/simulate.js';
import { toCsv, yearTrace } from './make-trace.js';
import { benchPools } from './bench-pool.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DAY = 86_400_000;
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pad = (cells, widths) => cells.map((c, i) => String(c).padStart(widths[i])).join(' ');

/** The default seed plus `extra` challenges shaped like eval.ai's history: 1 in `liveEvery` live, the rest long ended. */
function bigSeed(extra, liveEvery = 20) {
  const now = new Date();
  const seed = defaultSeed(now);
  for (let i = 0; i < extra; i++) {
    const id = 100_000 + i;
    const live = i % liveEvery === 0;
    seed.challenges.set(
      id,
      makeChallenge(id, now, {
        creatorTeamId: 5,
        start_date: new Date(now.getTime() - (live ? 10 : 900) * DAY),
        end_date: new Date(now.getTime() + (live ? 20 : -800) * DAY),
        workers: live ? 0 : null,
      }),
    );
  }
  return seed;
}

/**
 * Listed challenges, and per command those whose decision can depend on a read: scale-workers, a
 * live challenge or one holding workers; stop-idle, one holding workers; scale-ec2, one with an EC2
 * worker; cancel-stale, every challenge (a stale submission may sit in an ended one).
 */
function seedFigures(sandbox, command = 'scale-workers') {
  const now = Date.now();
  const listed = [...sandbox.state.challenges.values()].filter((c) => !c.is_disabled);
  const live = (c) => c.end_date === null || c.end_date.getTime() > now;
  const needs = {
    'scale-workers': (c) => live(c) || (c.workers ?? 0) > 0,
    'stop-idle': (c) => (c.workers ?? 0) > 0,
    'scale-ec2': (c) => c.uses_ec2_worker,
    'cancel-stale': () => true,
  }[command];
  return { listed: listed.length, needRead: listed.filter(needs).length };
}

/** Requests by class, from the sandbox's request log. */
function requestClasses(requests) {
  const c = { pages: 0, metrics: 0, listings: 0, otherReads: 0, writes: 0, total: requests.length };
  for (const q of requests) {
    if (q.method !== 'GET') c.writes++;
    else if (q.path.startsWith('/api/challenges/challenge/all/')) c.pages++;
    else if (q.path.includes('get_submission_metrics_by_pk')) c.metrics++;
    else if (/\/api\/jobs\/challenge\/\d+\/submission\/$/.test(q.path)) c.listings++;
    else c.otherReads++;
  }
  return c;
}

/** A built bin as a child process (through scripts/measure-child.js): exit code, wall ms, peak RSS and CPU. */
function runChild(bin, args, env) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const rusageFile = join(dir, 'rusage.json');
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/measure-child.js'), join(ROOT, 'bin', `${bin}.js`), '--state-dir', join(dir, 'state'), ...args], {
      env: { PATH: process.env.PATH, ...env, BENCH_RUSAGE_FILE: rusageFile },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const usage = JSON.parse(readFileSync(rusageFile, 'utf8'));
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, ms, stdout, ...usage });
    });
  });
}

/**
 * CPU time (user + system, in ms) of `runs` runs of a command, one after another, as bash's `times`
 * reports its children: to the millisecond. (/usr/bin/time prints centiseconds and cuts off the
 * rest of each of user and system: about 10 ms lost per run of a 50 ms process, which made every
 * ratio against a bare node look worse than it is.)
 */
function childrenCpuMs(argv, runs) {
  const script = 'for ((i = 0; i < $0; i++)); do "$@" > /dev/null 2>&1; done; times';
  const out = spawnSync('bash', ['-c', script, String(runs), ...argv], { cwd: ROOT, encoding: 'utf8' }).stdout;
  const children = out.trim().split('\n').at(-1);
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(([, m, s]) => Number(m) * 60 + Number(s));
  return (seconds[0] + seconds[1]) * 1000;
}

/** Median wall time (ms) of `runs` runs of a command. */
function wallMs(argv, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    spawnSync(argv[0], argv.slice(1), { cwd: ROOT, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function benchDecide(iterations) {
  const now = DateTime.utc();
  const policy = { mode: 'prod', includeEc2: false };
  const challenges = Array.from({ length: 1000 }, (_, i) => ({
    id: i + 1,
    title: `c${i}`,
    startDate: now.minus({ days: 30 }),
    endDate: i % 3 === 0 ? now.minus({ days: 1 }) : now.plus({ days: 5 }),
    createdAt: now.minus({ days: 40 }),
    approvedByAdmin: true,
    published: true,
    isDockerBased: false,
    remoteEvaluation: i % 7 === 0,
    usesEc2Worker: false,
    workers: i % 2 ? 1 : null,
  }));
  const started = process.hrtime.bigint();
  let starts = 0;
  for (let i = 0; i < iterations; i++) {
    if (decideWorkers(challenges[i % 1000], i % 4, policy, now).action === 'start') starts++;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { iterations, ms, perSecond: Math.round((iterations / ms) * 1000), starts };
}


// 1. --help and a usage error against a bare node.
function benchHelp() {
  // Interleaved rounds, so that a change in the machine's load falls on every command alike.
  const ROUNDS = 6;
  const PER_ROUND = 5;
  const commands = {
    bare: [process.execPath, '-e', '0'],
    help: [process.execPath, 'bin/scale-workers.js', '--help'],
    usage: [process.execPath, 'bin/scale-workers.js', '--no-such-flag'],
    top: [process.execPath, 'bin/evalai-autoscaler.js', '--help'],
  };
  const total = Object.fromEntries(Object.keys(commands).map((k) => [k, 0]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, argv] of Object.entries(commands)) total[name] += childrenCpuMs(argv, PER_ROUND);
  }
  const runs = ROUNDS * PER_ROUND;
  const mean = (name) => total[name] / runs;
  console.log(`CPU time, mean of ${runs} runs in ${ROUNDS} interleaved rounds (user + system of the children, from bash's times):`);
  console.log(`  node -e 0                          ${fmt(mean('bare'), 1).padStart(6)} ms`);
  console.log(`  scale-workers --help               ${fmt(mean('help'), 1).padStart(6)} ms   ratio ${fmt(mean('help') / mean('bare'), 2)} (goal <= 1.5)`);
  console.log(`  scale-workers --no-such-flag       ${fmt(mean('usage'), 1).padStart(6)} ms   ratio ${fmt(mean('usage') / mean('bare'), 2)} (goal <= 1.5)`);
  console.log(`  evalai-autoscaler --help (all 8)   ${fmt(mean('top'), 1).padStart(6)} ms   ratio ${fmt(mean('top') / mean('bare'), 2)}`);
}


// 2. The steady tick of the issue: 1,500 challenges, 1 in 10 live, pages of 150, 20 ms a request, the 60/min throttle on.
async function benchTick() {
  const bareWall = wallMs([process.execPath, '-e', '0'], 7);
  const LATENCY = 20;
  const sandbox = await startSandbox({ seed: bigSeed(1500 - defaultSeed(new Date()).challenges.size, 10), pageSize: 150 });
  try {
    sandbox.fault({ fault: { kind: 'latency', ms: LATENCY } });
    const env = { API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod' };
    const args = ['--log-level', 'warn', '--max-pages', '100000'];
    const first = await runChild('scale-workers', args, env); // settles the seed's own challenges: the next tick is steady
    const firstWrites = requestClasses(sandbox.requests).writes;
    sandbox.requests.length = 0;
    const r = await runChild('scale-workers', args, env);
    const c = requestClasses(sandbox.requests);
    const { listed } = seedFigures(sandbox);
    const readWidth = DEFAULTS.readConcurrency;
    // Floor: node's own start, the pages one after another, the reads at the read concurrency, the writes at the throttle.
    const writeFloorMs = Math.max(0, c.writes - DEFAULTS.rateLimitPerMinute) * (60_000 / DEFAULTS.rateLimitPerMinute);
    const floorMs = bareWall + c.pages * LATENCY + Math.ceil(c.metrics / readWidth) * LATENCY + writeFloorMs;
    const upstreamRequests = c.pages + listed + c.writes;
    const upstreamMs = upstreamRequests * LATENCY; // one request after another, as its script makes them (a lower bound)
    console.log(`\nsteady scale-workers tick: ${fmt(listed)} challenges, 1 in 10 live, pages of 150, ${LATENCY} ms per request, 60/min throttle on`);
    console.log(`  (a first tick settled the seed's own challenges: ${first.code === 0 ? 'exit 0' : `exit ${first.code}`}, ${firstWrites} writes)`);
    console.log(`  requests: ${c.pages} pages + ${c.metrics} metrics + ${c.writes} writes = ${c.total}; upstream: ${c.pages} + ${listed} + ${c.writes} = ${upstreamRequests} (ratio ${fmt(c.total / upstreamRequests, 3)})`);
    console.log(`  wall: ${fmt(r.ms)} ms; floor ${fmt(floorMs)} ms (node start ${fmt(bareWall)} + ${c.pages} pages x ${LATENCY} + ${Math.ceil(c.metrics / readWidth)} rounds of ${readWidth} reads x ${LATENCY} + writes ${fmt(writeFloorMs)}): ratio ${fmt(r.ms / floorMs, 2)} (goal <= 1.5)`);
    console.log(`  upstream, its ${upstreamRequests} requests one after another at ${LATENCY} ms: ${fmt(upstreamMs)} ms (issue 13 measured 37.5 s): ratio ${fmt(r.ms / upstreamMs, 3)} (goal <= 0.05); peak RSS ${fmt(r.maxRssKb / 1024, 1)} MiB; exit ${r.code}`);
  } finally {
    await sandbox.close();
  }

  // The same steady tick for the other EvalAI commands, each on a fresh copy of the deployment.
  console.log(`\nthe other commands' steady tick on the same deployment (a first tick settles it; floor and upstream as above; cancel-stale's upstream: 3 listings per challenge):`);
  const widths = [14, 6, 6, 7, 9, 9, 8, 7, 10, 7, 8];
  console.log(pad(['command', 'pages', 'reads', 'writes', 'requests', 'upstream', 'wall ms', 'floor', 'ratio', 'ratio up', 'RSS MiB'], widths));
  for (const bin of ['stop-idle', 'scale-ec2', 'cancel-stale']) {
    const box = await startSandbox({ seed: bigSeed(1500 - defaultSeed(new Date()).challenges.size, 10), pageSize: 150 });
    try {
      box.fault({ fault: { kind: 'latency', ms: LATENCY } });
      const env = { API_HOST_URL: box.url, AUTH_TOKEN: box.tokens.staff };
      const args = ['--log-level', 'warn', '--max-pages', '100000'];
      await runChild(bin, args, env);
      box.requests.length = 0;
      const r = await runChild(bin, args, env);
      const c = requestClasses(box.requests);
      const { listed } = seedFigures(box, bin);
      const reads = c.total - c.pages - c.writes;
      const writeFloorMs = Math.max(0, c.writes - DEFAULTS.rateLimitPerMinute) * (60_000 / DEFAULTS.rateLimitPerMinute);
      const floorMs = bareWall + c.pages * LATENCY + Math.ceil(reads / DEFAULTS.readConcurrency) * LATENCY + writeFloorMs;
      const upstreamRequests = c.pages + (bin === 'cancel-stale' ? 3 * listed : listed) + c.writes;
      console.log(
        pad([bin, fmt(c.pages), fmt(reads), fmt(c.writes), fmt(c.total), fmt(upstreamRequests), fmt(r.ms), fmt(floorMs), fmt(r.ms / floorMs, 2), fmt(r.ms / (upstreamRequests * LATENCY), 3), fmt(r.maxRssKb / 1024, 1)], widths) +
          (r.code !== 0 ? `  (exit ${r.code})` : ''),
      );
    } finally {
      await box.close();
    }
  }
}

// 3. Dry runs of each command over large generated deployments (no latency, no throttle).
async function benchDryRuns() {
const decide = benchDecide(1_000_000);
console.log(`\ndecide (scale-workers, pure): ${fmt(decide.iterations)} decisions in ${fmt(decide.ms, 1)} ms = ${fmt(decide.perSecond)} decisions/s`);

console.log('\ndry runs, built bin as a child process, against the sandbox on 127.0.0.1 (no latency, no throttle); 1 in 20 challenges live:');
console.log('  "floor": the pages + one read per challenge whose decision can depend on it (scale-workers: live or holding workers;');
console.log('  stop-idle: holding workers; scale-ec2: with an EC2 worker; cancel-stale: every challenge);');
console.log('  "upstream": the pages + one call per listed challenge, as its scripts make (cancel-stale: 3 listings per challenge).');
const widths = [14, 11, 6, 6, 9, 7, 7, 8, 9, 8, 8, 9];
console.log(pad(['command', 'challenges', 'pages', 'reads', 'requests', 'floor', 'ratio', 'upstream', 'ratio', 'wall ms', 'cpu ms', 'RSS MiB'], widths));
const rows = {};
for (const [bin, sizes, extraEnv] of [
  ['scale-workers', [700, 10_000, 30_000], { ENV: 'prod' }],
  ['scale-ec2', [10_000], {}],
  ['stop-idle', [10_000], {}],
  ['cancel-stale', [10_000], {}],
]) {
  for (const extra of sizes) {
    const sandbox = await startSandbox({ seed: bigSeed(extra), throttleRatePerMinute: false });
    try {
      const r = await runChild(bin, ['--dry-run', '--log-level', 'warn', '--max-pages', '100000'], { API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ...extraEnv });
      const c = requestClasses(sandbox.requests);
      const { listed, needRead } = seedFigures(sandbox, bin);
      const reads = c.total - c.pages - c.writes;
      const floor = c.pages + needRead;
      const upstream = c.pages + (bin === 'cancel-stale' ? 3 * listed : listed);
      rows[`${bin}:${extra}`] = { listed, ...r };
      console.log(
        pad(
          [bin, fmt(listed), fmt(c.pages), fmt(reads), fmt(c.total), fmt(floor), fmt(c.total / floor, 2), fmt(upstream), fmt(c.total / upstream, 3), fmt(r.ms), fmt((r.userUs + r.systemUs) / 1000), fmt(r.maxRssKb / 1024, 1)],
          widths,
        ) + (r.code !== 0 ? `  (exit ${r.code})` : ''),
      );
    } finally {
      await sandbox.close();
    }
  }
}
const small = rows['scale-workers:700'];
const large = rows['scale-workers:30000'];
console.log(
  `\nscale-workers from ${fmt(small.listed)} to ${fmt(large.listed)} challenges (x${fmt(large.listed / small.listed, 1)}): ` +
    `wall x${fmt(large.ms / small.ms, 2)}, peak RSS x${fmt(large.maxRssKb / small.maxRssKb, 2)} (+${fmt((large.maxRssKb - small.maxRssKb) / 1024, 1)} MiB)`,
);

}

// simulate: a year of a 100-challenge trace
const msSince = (from) => Number(process.hrtime.bigint() - from) / 1e6;
function benchSimulate() {
  let t = process.hrtime.bigint();
  const trace = yearTrace(100);
  const genMs = msSince(t);
  t = process.hrtime.bigint();
  const parsed = parseTrace(toCsv(trace), 'year.csv');
  const parseMs = msSince(t);
  t = process.hrtime.bigint();
  const sim = simulate(parsed, { intervalMs: 300_000, bootMs: 180_000, scaleDownDelayMs: 1_800_000, minUptimeMs: 900_000 });
  const simMs = msSince(t);
  console.log(`\nsimulate: a year of 100 challenges, ${fmt(sim.submissions)} submissions (generated in ${fmt(genMs)} ms):`);
  console.log(`  CSV parse ${fmt(parseMs)} ms; simulate ${sim.policies.length} rows (scale-workers decideWorkers on every tick that can matter) ${fmt(simMs)} ms = ${fmt(simMs / 1000, 1)} s`);
  for (const p of sim.policies) console.log(`  ${p.policy.padEnd(10)} ${fmt(p.workerHours).padStart(9)} worker-h  x${fmt(p.workerHoursVsOracle, 2)} oracle  ${fmt(p.coldStarts).padStart(8)} cold starts`);
}


// simulate --sweep: the month trace through the example pool, the default grid (270 settings), on every core
async function benchSweep() {
  const { readFileSync: read } = await import('node:fs');
  const { availableParallelism } = await import('node:os');
  const { parsePoolFile } = await import('../dist/pool/config.js');
  const { poolSettingOf } = await import('../dist/simulate/simulate-pool.js');
  const { runSweep, sweepGrid } = await import('../dist/simulate/sweep.js');
  const trace = parseTrace(read(join(ROOT, 'examples/traces/month.csv'), 'utf8'), 'month.csv');
  const pool = parsePoolFile(read(join(ROOT, 'examples/pools/simulate-pool.json'), 'utf8'), 'simulate-pool.json').pools[0];
  const { settings } = sweepGrid('pool', poolSettingOf(pool.policy, 60_000));
  const threads = availableParallelism();
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await runSweep({ kind: 'pool', trace, bootMs: 180_000, base: pool.policy }, settings, threads);
  const wall = msSince(t);
  const cpu = process.cpuUsage(cpu0);
  console.log(`\nsimulate --sweep: the month trace (${fmt(trace.length)} submissions), pool evaluators, ${settings.length} settings on ${threads} thread(s): ${fmt(wall / 1000, 1)} s wall (process CPU, every thread: ${fmt((cpu.user + cpu.system) / 1e6, 1)} s)`);
}

const SECTIONS = { help: benchHelp, tick: benchTick, 'dry-runs': benchDryRuns, simulate: benchSimulate, pool: benchPools, sweep: benchSweep };
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('--')); // flags are the sections' own (pool --long)
const unknown = chosen.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  console.error(`bench: no section ${unknown.join(', ')}; the sections: ${Object.keys(SECTIONS).join(', ')} (none named: all)`);
  process.exit(2);
}
console.log('evalai-autoscaler benchmark (figures from this machine; compare ratios, not absolutes)');
console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${process.platform}\n`);
for (const name of chosen.length > 0 ? chosen : Object.keys(SECTIONS)) await SECTIONS[name]();
