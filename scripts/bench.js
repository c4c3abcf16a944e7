// npm run bench: speed and memory figures for the commands, printed as figures and ratios.
// Never a pass/fail test: a slow machine prints slower numbers, nothing fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { defaultSeed, makeChallenge, startSandbox } from '../dist/sandbox/index.js';
import { decideWorkers } from '../dist/commands/scale-workers/decide.js';
import { parseTrace } from '../dist/simulate/trace.js';
import { simulate } from '../dist/simulate/simulate.js';
import { toCsv, yearTrace } from './make-trace.js';
import { main } from '../dist/cli/main.js';
import { Writable } from 'node:stream';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DAY = 86_400_000;

/** The default seed plus `extra` challenges shaped like eval.ai's history: 95 % long ended. */
function bigSeed(extra) {
  const now = new Date();
  const seed = defaultSeed(now);
  for (let i = 0; i < extra; i++) {
    const id = 100_000 + i;
    const active = i % 20 === 0;
    seed.challenges.set(
      id,
      makeChallenge(id, now, {
        creatorTeamId: 5,
        start_date: new Date(now.getTime() - (active ? 10 : 900) * DAY),
        end_date: new Date(now.getTime() + (active ? 20 : -800) * DAY),
        workers: active ? 0 : null,
      }),
    );
  }
  return seed;
}

function runChild(bin, args, env) {
  const rusageFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'rusage.json');
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/measure-child.js'), join(ROOT, 'bin', `${bin}.js`), ...args], {
      env: { PATH: process.env.PATH, ...env, BENCH_RUSAGE_FILE: rusageFile },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, ms, stdout, ...JSON.parse(readFileSync(rusageFile, 'utf8')) });
    });
  });
}

async function benchScaleWorkers(extra) {
  const sandbox = await startSandbox({ seed: bigSeed(extra), throttleRatePerMinute: false });
  try {
    const listed = [...sandbox.state.challenges.values()].filter((c) => !c.is_disabled).length;
    const r = await runChild('scale-workers', ['--dry-run', '--json', '--log-level', 'warn', '--max-pages', '100000'], {
      API_HOST_URL: sandbox.url,
      AUTH_TOKEN: sandbox.tokens.staff,
      ENV: 'prod',
    });
    const pages = sandbox.requests.filter((q) => q.path.startsWith('/api/challenges/challenge/all/')).length;
    const metrics = sandbox.requests.filter((q) => q.path.includes('get_submission_metrics_by_pk')).length;
    return { listed, pages, metrics, requests: sandbox.requests.length, upstreamRequests: pages + listed, ...r };
  } finally {
    await sandbox.close();
  }
}

async function benchCancelStale(extra) {
  const sandbox = await startSandbox({ seed: bigSeed(extra), throttleRatePerMinute: false });
  try {
    const listed = [...sandbox.state.challenges.values()].filter((c) => !c.is_disabled).length;
    const r = await runChild('cancel-stale', ['--dry-run', '--json', '--log-level', 'warn', '--max-pages', '100000'], {
      API_HOST_URL: sandbox.url,
      AUTH_TOKEN: sandbox.tokens.staff,
    });
    const listings = sandbox.requests.filter((q) => /\/api\/jobs\/challenge\/\d+\/submission\/$/.test(q.path)).length;
    return { listed, listings, upstreamListings: 3 * listed, requests: sandbox.requests.length, ...r };
  } finally {
    await sandbox.close();
  }
}

function benchDecide(iterations) {
  const now = DateTime.utc();
  const policy = { production: true, includeEc2: false };
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

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

console.log('evalai-autoscaler benchmark (figures from this machine; compare ratios, not absolutes)\n');
const d = benchDecide(1_000_000);
console.log(`decide (scale-workers, pure): ${fmt(d.iterations)} decisions in ${fmt(d.ms, 1)} ms = ${fmt(d.perSecond)} decisions/s`);

const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
{
  let t = process.hrtime.bigint();
  const trace = yearTrace(100);
  const genMs = ms(t);
  t = process.hrtime.bigint();
  const parsed = parseTrace(toCsv(trace), 'year.csv');
  const parseMs = ms(t);
  t = process.hrtime.bigint();
  const sim = simulate(parsed, { intervalMs: 300_000, bootMs: 180_000, scaleDownDelayMs: 1_800_000, minUptimeMs: 900_000 });
  const simMs = ms(t);
  console.log(`\nsimulate: a year of 100 challenges, ${fmt(sim.submissions)} submissions (generated in ${fmt(genMs)} ms):`);
  console.log(`  CSV parse ${fmt(parseMs)} ms; simulate 4 policies (scale-workers decideWorkers on every tick that can matter) ${fmt(simMs)} ms = ${fmt(simMs / 1000, 1)} s`);
  for (const p of sim.policies) console.log(`  ${p.policy.padEnd(10)} ${fmt(p.workerHours).padStart(9)} worker-h  x${fmt(p.workerHoursVsOracle, 2)} oracle  ${fmt(p.coldStarts).padStart(8)} cold starts`);
}

console.log('\nscale-workers --dry-run, built bin as a child process, against the sandbox on 127.0.0.1:');
console.log('challenges  pages  metrics calls  requests  upstream requests  ratio  wall ms  cpu ms  peak RSS MiB');
const rows = [];
for (const extra of [700, 10_000, 30_000]) {
  const r = await benchScaleWorkers(extra);
  rows.push(r);
  console.log(
    [
      fmt(r.listed).padStart(10),
      fmt(r.pages).padStart(6),
      fmt(r.metrics).padStart(14),
      fmt(r.requests).padStart(9),
      fmt(r.upstreamRequests).padStart(18),
      fmt(r.requests / r.upstreamRequests, 3).padStart(6),
      fmt(r.ms).padStart(8),
      fmt((r.userUs + r.systemUs) / 1000).padStart(7),
      fmt(r.maxRssKb / 1024, 1).padStart(13),
    ].join(' '),
  );
  if (r.code !== 0) console.log(`  (exit ${r.code})`);
}
const [small, , large] = rows;
console.log(
  `\nscaling from ${fmt(small.listed)} to ${fmt(large.listed)} challenges (x${fmt(large.listed / small.listed, 1)}): ` +
    `wall time x${fmt(large.ms / small.ms, 2)}, peak RSS x${fmt(large.maxRssKb / small.maxRssKb, 2)}`,
);
console.log('"upstream requests" = pages + one metrics call per listed challenge, as auto_scale_workers.py makes.');

console.log('\ncancel-stale --dry-run: submission listings (throttled, 60/min shared) vs upstream\'s 3 per challenge:');
console.log('challenges  listings  upstream listings  ratio  upstream minimum time at 60/min  wall ms  peak RSS MiB');
for (const extra of [700, 10_000]) {
  const c = await benchCancelStale(extra);
  console.log(
    [
      fmt(c.listed).padStart(10),
      fmt(c.listings).padStart(9),
      fmt(c.upstreamListings).padStart(18),
      fmt(c.listings / c.upstreamListings, 4).padStart(6),
      `${fmt(c.upstreamListings / 60, 0)} min`.padStart(32),
      fmt(c.ms).padStart(8),
      fmt(c.maxRssKb / 1024, 1).padStart(13),
    ].join(' '),
  );
  if (c.code !== 0) console.log(`  (exit ${c.code})`);
}

/**
 * One `scale-pool run` tick, in process through the CLI, of a 500-host pool with 10,000 queued jobs,
 * against a mocked EC2 (aws-sdk-client-mock on the real SDK clients) that pages DescribeInstances
 * at `pageSize`: the AWS calls made and the time taken.
 */
async function benchPool(pageSize) {
  const ec2 = mockClient(EC2Client);
  const sqs = mockClient(SQSClient);
  const now = Date.now();
  const instances = Array.from({ length: 500 }, (_, i) => ({
    InstanceId: `i-${String(i).padStart(17, '0')}`,
    State: { Name: 'running' },
    LaunchTime: new Date(now - 3_600_000),
    InstanceType: 'c5.large',
    Placement: { AvailabilityZone: 'us-east-1a' },
    PrivateIpAddress: `10.0.${i >> 8}.${i & 255}`,
    Tags: [
      { Key: 'evalai-autoscaler:pool', Value: 'bench' },
      { Key: 'evalai-autoscaler:state', Value: 'ready' },
      { Key: 'evalai-autoscaler:state-since', Value: new Date(now - 3_600_000).toISOString() },
    ],
  }));
  ec2.on(DescribeInstancesCommand).callsFake((input) => {
    const start = Number(input.NextToken ?? 0);
    const page = instances.slice(start, start + Math.min(pageSize, input.MaxResults ?? 1000));
    const next = start + page.length;
    return { Reservations: [{ Instances: page }], ...(next < instances.length ? { NextToken: String(next) } : {}) };
  });
  let seq = 500;
  ec2.on(RunInstancesCommand).callsFake((input) => ({
    Instances: Array.from({ length: input.MaxCount }, () => ({ InstanceId: `i-${String(seq++).padStart(17, '0')}`, State: { Name: 'pending' }, LaunchTime: new Date(), Tags: input.TagSpecifications[0].Tags })),
  }));
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '10000', ApproximateNumberOfMessagesNotVisible: '0' } });
  const dir = mkdtempSync(join(tmpdir(), 'bench-pool-'));
  const config = join(dir, 'pool.json');
  writeFileSync(config, JSON.stringify({ pools: [{ name: 'bench', demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' }, backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'bench' }, market: 'on-demand' }, policy: { minHosts: 1, maxHosts: 600, jobsPerHost: 20, maxLaunchesPerTick: 50 } }] }));
  const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
  const started = process.hrtime.bigint();
  const code = await main(['scale-pool', 'run', '--config', config, '--log-level', 'warn'], { stdout: sink(), stderr: sink(), env: { HOME: dir, EVALAI_AUTOSCALER_STATE_DIR: join(dir, 'state') } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const calls = ec2.calls().map((c) => c.args[0].constructor.name.replace('Command', ''));
  const run = ec2.commandCalls(RunInstancesCommand).map((c) => `MinCount ${c.args[0].input.MinCount}, MaxCount ${c.args[0].input.MaxCount}`);
  ec2.restore();
  sqs.restore();
  return { code, ms, describes: calls.filter((c) => c === 'DescribeInstances').length, runs: run, other: calls.filter((c) => c !== 'DescribeInstances' && c !== 'RunInstances') };
}

console.log('\nscale-pool run: one tick of a 500-host pool with 10,000 queued jobs (20 jobs a host: 510 desired, 10 to launch):');
console.log('DescribeInstances page size  DescribeInstances calls (list + re-count)  RunInstances            other EC2  wall ms');
for (const pageSize of [1000, 100]) {
  const p = await benchPool(pageSize);
  console.log(
    [
      fmt(pageSize).padStart(27),
      fmt(p.describes).padStart(42),
      (p.runs.join('; ') || 'none').padStart(23),
      (p.other.join(', ') || 'none').padStart(10),
      fmt(p.ms).padStart(8),
    ].join('  '),
  );
  if (p.code !== 0) console.log(`  (exit ${p.code})`);
}
console.log('The first row includes loading the SDK clients; the wall time is the whole CLI run (config, lock, status and state files, the tick).');
