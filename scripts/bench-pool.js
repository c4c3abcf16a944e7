// The bench's `pool` section (node scripts/bench.js pool [--long]): `scale-pool run`, the built bin
// as a child process, against the replaying fakes of scripts/pool-fakes.js, so that what is timed
// is the tool's own work. Figures and the goal ratios of issue 21; never pass/fail.
//
//   node scripts/bench.js pool            a few minutes: start, growth 10 -> 1,000 hosts, probes, re-checks, SLURM, Ray
//   node scripts/bench.js pool --long     also the `--interval 1s` daemon for BENCH_POOL_LONG_MINUTES (default 60);
//                                         BENCH_POOL_DAEMON_ONLY=1 runs the daemon alone; BENCH_POOL_RUNS ticks per figure (3)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSlurmFake, startCloudFake, startProbeFake, startRayFake } from './pool-fakes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const hr = () => Number(process.hrtime.bigint()) / 1e6;
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '-');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const RUNS = Number(process.env.BENCH_POOL_RUNS ?? 3);

/** Median wall time (ms) of a bare `node -e 0`. */
function bareNodeMs(runs = 7) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = hr();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    times.push(hr() - t);
  }
  return median(times);
}

/** One `scale-pool <args>` through scripts/measure-child.js: exit code, spawn time (hrtime and epoch ms), wall, peak RSS, CPU. */
function runPool(args, env) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pool-run-'));
  const rusageFile = join(dir, 'rusage.json');
  return new Promise((resolve, reject) => {
    const startedEpoch = Date.now();
    const started = hr();
    const child = spawn(process.execPath, [join(ROOT, 'scripts/measure-child.js'), join(ROOT, 'bin/scale-pool.js'), ...args], {
      env: { PATH: process.env.PATH, HOME: dir, ...env, BENCH_RUSAGE_FILE: rusageFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = hr() - started;
      const usage = existsSync(rusageFile) ? JSON.parse(readFileSync(rusageFile, 'utf8')) : { maxRssKb: NaN, userUs: NaN, systemUs: NaN };
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, ms, started, startedEpoch, stderr, rssMiB: usage.maxRssKb / 1024, cpuMs: (usage.userUs + usage.systemUs) / 1000 });
    });
  });
}

const awsEnv = (url) => ({
  AWS_ENDPOINT_URL: url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHBENCHBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '1',
});

/** A pool file for an EC2 pool of `hosts` hosts kept at its size (min = max), SQS demand, an optional probe. */
function ec2PoolFile(dir, { name, hosts, probe, minHosts = hosts }) {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    pools: [{
      name,
      demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' },
      backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'bench' } },
      policy: { minHosts, maxHosts: hosts, jobsPerHost: 1 },
      ...(probe ? { probe: { url: probe, timeout: '5s' } } : {}),
    }],
  }));
  return path;
}

/** `runs` measured ticks after one warm-up tick (which writes the state files), in one state directory. */
async function ticks(args, env, onEach, runs = RUNS) {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-pool-state-'));
  const all = [...args, '--state-dir', stateDir, '--log-level', 'warn', '--max-actions', '10000'];
  try {
    await runPool(all, env);
    const out = [];
    for (let i = 0; i < runs; i++) {
      const before = onEach?.before?.();
      const r = await runPool(all, env);
      out.push({ ...r, ...(onEach?.after?.(r, before) ?? {}) });
    }
    return out;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const summary = (rs, key) => median(rs.map((r) => r[key]));

/** Start, size growth and request counts of an EC2 + SQS pool with probes answering at once. */
async function ec2Growth(dir, bare) {
  console.log('\nscale-pool run, EC2 pool with SQS demand and probes, the cloud and the probes answering at once (replayed);');
  console.log(`medians of ${RUNS} ticks after a warm-up tick; "first request": spawn to the first AWS request received; bare node -e 0: ${fmt(bare)} ms wall`);
  const widths = [7, 7, 9, 14, 8, 8, 8, 28];
  const pad = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join(' ');
  console.log(pad(['hosts', 'probes', 'wall ms', 'first req ms', 'x bare', 'cpu ms', 'RSS MiB', 'AWS requests per tick']));
  const rows = {};
  for (const [hosts, withProbe] of [[10, true], [100, true], [1000, true], [1000, false]]) {
    const cloud = await startCloudFake({ pool: 'bench', hosts, queued: hosts });
    const probes = withProbe ? await startProbeFake({ hosts }) : null;
    try {
      const config = ec2PoolFile(dir, { name: 'bench', hosts, probe: probes?.template });
      const rs = await ticks(['run', '--config', config], awsEnv(cloud.url), {
        before: () => cloud.requests.length,
        after: (r, from) => {
          const reqs = cloud.requests.slice(from);
          const counts = {};
          for (const q of reqs) counts[q.action] = (counts[q.action] ?? 0) + 1;
          return { firstMs: reqs.length ? reqs[0].at - r.started : NaN, counts: Object.entries(counts).map(([a, n]) => `${n} ${a}`).join(', ') };
        },
      });
      const row = { wall: summary(rs, 'ms'), first: summary(rs, 'firstMs'), cpu: summary(rs, 'cpuMs'), rss: Math.max(...rs.map((r) => r.rssMiB)), counts: rs.at(-1).counts, codes: [...new Set(rs.map((r) => r.code))] };
      rows[`${hosts}:${withProbe}`] = row;
      console.log(pad([fmt(hosts), withProbe ? 'yes' : 'no', fmt(row.wall), fmt(row.first), fmt(row.first / bare, 2), fmt(row.cpu), fmt(row.rss, 1), row.counts]) + (row.codes.some((c) => c !== 0) ? `  (exit ${row.codes.join(', ')})` : ''));
    } finally {
      await cloud.close();
      await probes?.close();
    }
  }
  const small = rows['10:true'];
  const large = rows['1000:true'];
  const noProbe = rows['1000:false'];
  console.log(`  first AWS request: ${fmt(small.first)} ms = ${fmt(small.first / bare, 2)} x bare node (goal <= 3)`);
  console.log(`  1,000-host tick with probes against a 10-host one: ${fmt(large.wall)} / ${fmt(small.wall)} ms = ${fmt(large.wall / small.wall, 2)} (goal <= 1.5); CPU ${fmt(large.cpu)} / ${fmt(small.cpu)} ms = ${fmt(large.cpu / small.cpu, 2)}`);
  console.log(`  peak RSS, 1,000-host tick with probes: ${fmt(large.rss, 1)} MiB (goal <= 100)`);
  console.log(`  CPU per probe (1,000 hosts, with probes minus without): ${fmt((large.cpu - noProbe.cpu) / 1000, 2)} ms (goal <= 0.5)`);
}

/** The probe phase with 1,000 hosts answering in 50 ms, and 200 re-checks before terminating. */
async function probePhases(dir) {
  const LATENCY = 50;
  const hosts = 1000;
  const draining = 200;
  console.log(`\nprobes: ${fmt(hosts)} hosts answering in ${LATENCY} ms, ${draining} of them draining and idle (re-checked before TerminateInstances); one tick after a warm-up tick`);
  const cloud = await startCloudFake({ pool: 'bench', hosts, queued: hosts - draining, stateOf: (i) => (i < draining ? 'draining' : 'ready') });
  const probes = await startProbeFake({ hosts, latencyMs: LATENCY, jobsOf: (i) => (i < draining ? 0 : 1) });
  try {
    const config = ec2PoolFile(dir, { name: 'bench', hosts: hosts - draining, probe: probes.template });
    const [r] = await ticks(['run', '--config', config], awsEnv(cloud.url), { before: () => ({ probes: probes.requests.length, cloud: cloud.requests.length }), after: (_r, from) => ({ from }) }, 1);
    const reqs = probes.requests.slice(r.from.probes);
    const seen = new Map();
    const observe = [];
    const recheck = [];
    for (const q of reqs) {
      (seen.has(q.host) ? recheck : observe).push(q);
      seen.set(q.host, true);
    }
    const phase = (qs) => (qs.length ? Math.max(...qs.map((q) => q.done)) - Math.min(...qs.map((q) => q.at)) : NaN);
    const widest = (qs) => {
      const ev = qs.flatMap((q) => [[q.at, 1], [q.done, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let n = 0;
      let max = 0;
      for (const [, d] of ev) max = Math.max(max, (n += d));
      return max;
    };
    const terminated = cloud.requests.slice(r.from.cloud).filter((q) => q.action === 'TerminateInstances').length;
    console.log(`  observe: ${fmt(observe.length)} probes in ${fmt(phase(observe))} ms, at most ${widest(observe)} in flight: ${fmt(phase(observe) / LATENCY, 1)} x one probe's latency (goal <= 10)`);
    console.log(`  re-checks: ${fmt(recheck.length)} in ${fmt(phase(recheck))} ms, at most ${widest(recheck)} in flight: ${fmt(phase(recheck) / LATENCY, 1)} x one probe round (goal <= 2); TerminateInstances calls: ${terminated}`);
    console.log(`  tick: ${fmt(r.ms)} ms wall, ${fmt(r.cpuMs)} ms CPU, peak RSS ${fmt(r.rssMiB, 1)} MiB, exit ${r.code}`);
  } finally {
    await cloud.close();
    await probes.close();
  }
}

/** A SLURM pool with Ray demand: `others` other jobs of the user in squeue, `pending` Ray tasks. */
async function slurmRayTicks(dir, { others, pending, poolJobs = 10 }) {
  const pool = 'raypool';
  const slurm = makeSlurmFake(join(dir, `slurm-${others}-${pending}`), { pool, user: 'bench', poolJobs, otherJobs: others });
  const ray = await startRayFake({ pending, nodeNames: slurm.jobIds.map((id) => `${pool}-slurm-${id}`) });
  try {
    const config = join(dir, `ray-${others}-${pending}.json`);
    writeFileSync(config, JSON.stringify({ pools: [{ name: pool, demand: { type: 'ray', dashboard: ray.url, timeout: '10s' }, backend: { type: 'slurm', headAddress: '10.0.0.1:6379', partition: 'cpu', wallTime: '01:00:00', workerTypes: [{ name: 'cpu', cpus: 2 }], user: 'bench', commands: slurm.paths }, policy: { minHosts: poolJobs, maxHosts: poolJobs, jobsPerHost: 1 } }] }));
    const rs = await ticks(['run', '--config', config], {}, {
      before: () => (existsSync(slurm.calls) ? readFileSync(slurm.calls, 'utf8').split('\n').filter(Boolean).length : 0),
      after: (r, from) => {
        const calls = readFileSync(slurm.calls, 'utf8').split('\n').filter(Boolean).slice(from);
        const first = calls.find((c) => c.startsWith('squeue '));
        return { firstMs: first ? Number(first.split(' ')[1]) / 1e6 - r.startedEpoch : NaN, calls: calls.map((c) => c.split(' ')[0]).join(' ') };
      },
    });
    return { wall: summary(rs, 'ms'), first: summary(rs, 'firstMs'), cpu: summary(rs, 'cpuMs'), rss: Math.max(...rs.map((r) => r.rssMiB)), codes: [...new Set(rs.map((r) => r.code))], calls: rs.at(-1).calls, rayBytes: ray.answerBytes() };
  } finally {
    await ray.close();
  }
}

async function slurmRay(dir, bare) {
  console.log(`\nscale-pool run, SLURM pool (10 jobs) with Ray demand; squeue and the dashboard replay prepared answers; medians of ${RUNS} ticks after a warm-up`);
  const widths = [26, 9, 16, 8, 8, 8, 12];
  const pad = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join(' ');
  console.log(pad(['case', 'wall ms', 'first squeue ms', 'x bare', 'cpu ms', 'RSS MiB', 'Ray bytes']));
  const rows = {};
  for (const [label, others, pending] of [['50 jobs of the user', 50, 100], ['5,000 jobs of the user', 5000, 100], ['100,000 pending Ray tasks', 50, 100_000]]) {
    const r = await slurmRayTicks(dir, { others, pending });
    rows[label] = r;
    console.log(pad([label, fmt(r.wall), fmt(r.first), fmt(r.first / bare, 2), fmt(r.cpu), fmt(r.rss, 1), fmt(r.rayBytes)]) + (r.codes.some((c) => c !== 0) ? `  (exit ${r.codes.join(', ')})` : ''));
  }
  const base = rows['50 jobs of the user'];
  console.log(`  first squeue call: ${fmt(base.first)} ms = ${fmt(base.first / bare, 2)} x bare node (goal <= 3); calls per tick: ${base.calls}`);
  const slurm = rows['5,000 jobs of the user'];
  const ray = rows['100,000 pending Ray tasks'];
  console.log(`  SLURM 5,000 jobs of the user against 50: wall ${fmt(slurm.wall / base.wall, 2)} (goal <= 1.2), CPU ${fmt(slurm.cpu / base.cpu, 2)}`);
  console.log(`  Ray 100,000 pending against 100: wall ${fmt(ray.wall / base.wall, 2)} (goal <= 1.2), CPU ${fmt(ray.cpu / base.cpu, 2)}`);
}

/** The `--interval 1s` daemon against a 100-host pool with probes: RSS over time, tick p50/p99. */
async function daemon(dir, minutes) {
  const hosts = 100;
  console.log(`\nscale-pool run --interval 1s for ${minutes} min: ${hosts}-host EC2 pool with probes, the cloud and probes answering at once`);
  const cloud = await startCloudFake({ pool: 'bench', hosts, queued: hosts });
  const probes = await startProbeFake({ hosts });
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-pool-daemon-'));
  try {
    const config = ec2PoolFile(dir, { name: 'bench', hosts, probe: probes.template });
    const child = spawn(process.execPath, [join(ROOT, 'bin/scale-pool.js'), 'run', '--config', config, '--interval', '1s', '--state-dir', stateDir, '--log-level', 'info'], {
      env: { PATH: process.env.PATH, HOME: stateDir, ...awsEnv(cloud.url) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const ticksMs = [];
    let started = null;
    let buf = '';
    child.stderr.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.includes('"msg":"run started"')) started = Date.parse(JSON.parse(line).time);
        else if (line.includes('"msg":"run finished"') && started !== null) ticksMs.push(Date.parse(JSON.parse(line).time) - started);
      }
    });
    const samples = [];
    const t0 = Date.now();
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    const fds = () => spawnSync('ls', [`/proc/${child.pid}/fd`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
    while (Date.now() - t0 < minutes * 60_000) {
      await new Promise((r) => setTimeout(r, 10_000));
      samples.push({ min: (Date.now() - t0) / 60_000, rss: rss(), fds: fds(), load: loadavg()[0] });
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
    const settle = Math.min(10, minutes / 3);
    const late = samples.filter((s) => s.min >= settle);
    // Least-squares slope of RSS over time after the settling minutes, in MiB per hour.
    const mx = late.reduce((s, p) => s + p.min, 0) / late.length;
    const my = late.reduce((s, p) => s + p.rss, 0) / late.length;
    const slope = late.reduce((s, p) => s + (p.min - mx) * (p.rss - my), 0) / late.reduce((s, p) => s + (p.min - mx) ** 2, 0);
    const sorted = [...ticksMs].sort((a, b) => a - b);
    const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    console.log(`  ticks: ${fmt(ticksMs.length)}; p50 ${fmt(q(0.5))} ms, p99 ${fmt(q(0.99))} ms: p99/p50 ${fmt(q(0.99) / q(0.5), 2)} (goal <= 3)`);
    console.log(`  RSS: ${fmt(samples[0]?.rss, 1)} MiB at ${fmt(samples[0]?.min, 1)} min, ${fmt(late[0]?.rss, 1)} at ${fmt(settle, 1)} min, ${fmt(samples.at(-1)?.rss, 1)} at the end; after minute ${fmt(settle, 1)}: ${fmt(slope * 60, 2)} MiB/hour (goal <= 1)`);
    console.log(`  open fds: ${samples[0]?.fds} at the first sample, ${samples.at(-1)?.fds} at the end`);
    const loads = samples.map((s) => s.load);
    console.log(`  machine load average (1 min) over the run: ${fmt(Math.min(...loads), 1)} to ${fmt(Math.max(...loads), 1)}, mean ${fmt(loads.reduce((a, b) => a + b, 0) / loads.length, 1)}`);
    console.log(`  RSS samples (min: MiB): ${samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 12)) === 0).map((s) => `${fmt(s.min, 1)}: ${fmt(s.rss, 1)}`).join(', ')}`);
  } finally {
    await cloud.close();
    await probes.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export async function benchPools() {
  const long = process.argv.includes('--long') || process.env.BENCH_POOL_LONG === '1';
  const dir = mkdtempSync(join(tmpdir(), 'bench-pool-'));
  try {
    if (process.env.BENCH_POOL_DAEMON_ONLY !== '1') {
      const bare = bareNodeMs();
      await ec2Growth(dir, bare);
      await probePhases(dir);
      await slurmRay(dir, bare);
    }
    if (long) await daemon(dir, Number(process.env.BENCH_POOL_LONG_MINUTES ?? 60));
    else console.log('\n(the one-hour `--interval 1s` daemon: node scripts/bench.js pool --long; BENCH_POOL_LONG_MINUTES=10 for a shorter one)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

