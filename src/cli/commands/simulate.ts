import { Command, InvalidArgumentError, Option } from '../commander.js';
import { ExitCode } from '../../runtime/exit-codes.js';
import { ConfigError } from '../../runtime/errors.js';
import { holdDurationArg } from '../hold-options.js';
import type { CliIO } from '../../runtime/io.js';
import { durationArg, intArg } from '../parsers.js';

interface SimulateFlags {
  trace: string;
  scaleDownDelay?: number;
  minUptime?: number;
  interval: number;
  boot: number;
  json?: boolean;
  chart?: string;
  poolConfig?: string;
  pool?: string;
  also: string[];
  sweep?: boolean;
  grid: string[];
  targetWaitP95?: number;
  targetWaitP50?: number;
  threads?: number;
}

function waitArg(value: string): number {
  if (value.trim() === '0') return 0;
  return durationArg(value);
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function intervalArg(value: string): number {
  const ms = durationArg(value);
  if (ms % 60_000 !== 0 || ms > 86_400_000) throw new InvalidArgumentError('expected whole minutes, at most 1d (e.g. 5m)');
  return ms;
}

function bootArg(value: string): number {
  if (value.trim() === '0') return 0;
  return durationArg(value);
}

/** `evalai-autoscaler simulate`: replays a submission trace through scale-workers' decisions, offline. */
export function simulateCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command('simulate')
    .description("replay a submission trace through the same decisions with a virtual clock: scale-workers' stop policies, or a pool's sizing (--pool-config); compare them (no network)")
    .requiredOption('--trace <file>', 'CSV (challenge,arrival,duration_s) or JSONL trace of submissions')
    .addOption(new Option('--scale-down-delay <duration>', 'the configured policy\'s --scale-down-delay (e.g. 30m; default off)').argParser(holdDurationArg))
    .addOption(new Option('--min-uptime <duration>', 'the configured policy\'s --min-uptime (e.g. 15m; default off)').argParser(holdDurationArg))
    .addOption(new Option('--interval <duration>', 'cron interval: a tick every this long (whole minutes)').argParser(intervalArg).default(300_000, '5m'))
    .addOption(new Option('--boot <duration>', 'time from a start request to a ready worker').argParser(bootArg).default(180_000, '3m'))
    .addOption(new Option('--pool-config <pool.json>', 'simulate a scale-pool pool instead: its policy as configured against the same with one knob turned at a time; every submission is one job, all challenges one queue'))
    .addOption(new Option('--pool <name>', 'with --pool-config: the pool of the file (needed when it holds several)'))
    .addOption(new Option('--also <knob=value,...>', 'also compare the configured setting with these knobs changed together (scale-down-delay, min-uptime, interval, anticipate; for workers also keep-alive (fixed or hybrid[-pH-pT][-cvX]); for a pool also headroom and jobs-per-host; e.g. headroom=none,scale-down-delay=0); repeatable').argParser(collect).default([]))
    .addOption(new Option('--sweep', 'run a grid of settings instead (in parallel), print the Pareto front of cost against waits and cold starts, and recommend the cheapest setting meeting the target'))
    .addOption(new Option('--grid <knob=v1,v2,...>', 'with --sweep: the values of one knob (replaces the default grid\'s; jobs-per-host is swept only when given); repeatable').argParser(collect).default([]))
    .addOption(new Option('--target-wait-p95 <duration>', 'with --sweep: the wait p95 to meet (default: the configured setting\'s)').argParser(waitArg))
    .addOption(new Option('--target-wait-p50 <duration>', 'with --sweep: also a median wait to meet').argParser(waitArg))
    .addOption(new Option('--threads <n>', 'with --sweep: worker threads (default: the cores there are)').argParser(intArg(1, 256)))
    .addOption(new Option('--json', 'print the figures as JSON'))
    .addOption(new Option('--chart <file.svg>', 'also write an SVG chart: queue depth and capacity over time, one lane per policy'))
    .action(async (flags: SimulateFlags) => {
      const { readTrace } = await import('../../simulate/trace.js');
      const { simulate } = await import('../../simulate/simulate.js');
      const { formatTable, toJson } = await import('../../simulate/report.js');
      const trace = readTrace(flags.trace);
      const span = trace[trace.length - 1]!.arrivalMs - trace[0]!.arrivalMs;
      if (flags.pool !== undefined && !flags.poolConfig) throw new ConfigError('--pool needs --pool-config');
      const chartOption = flags.chart ? { seriesBucketMs: chartBucket(span, flags.interval) } : {};
      let poolConfig: import('../../pool/config.js').PoolConfig | undefined;
      if (flags.poolConfig) {
        if (flags.scaleDownDelay || flags.minUptime) throw new ConfigError('--scale-down-delay and --min-uptime are for workers; with --pool-config the pool file\'s policy.scaleDownDelay and policy.minUptime are used');
        const { selectPools } = await import('../../pool/config.js');
        const { loadPoolFileWithStacks } = await import('../../pool/pulumi-stack.js');
        const { exec } = await import('../../runtime/exec.js');
        const file = await loadPoolFileWithStacks(flags.poolConfig, { exec });
        const pools = selectPools(file, flags.pool);
        if (pools.length > 1) throw new ConfigError(`${file.path} holds ${pools.length} pools (${pools.map((p) => p.name).join(', ')}); pass --pool NAME`);
        poolConfig = pools[0]!;
      }
      const { simulatePool, poolSettingOf } = await import('../../simulate/simulate-pool.js');
      const { workerSettingOf } = await import('../../simulate/simulate.js');
      const { changedKnobs, parseCombination } = await import('../../simulate/settings.js');
      const workerOptions = {
        intervalMs: flags.interval,
        bootMs: flags.boot,
        ...(flags.scaleDownDelay ? { scaleDownDelayMs: flags.scaleDownDelay } : {}),
        ...(flags.minUptime ? { minUptimeMs: flags.minUptime } : {}),
      };
      const kind: 'pool' | 'workers' = poolConfig ? 'pool' : 'workers';
      const configured = poolConfig ? poolSettingOf(poolConfig.policy, flags.interval) : workerSettingOf(workerOptions);
      if (!flags.sweep && (flags.grid.length || flags.targetWaitP95 !== undefined || flags.targetWaitP50 !== undefined || flags.threads !== undefined)) {
        throw new ConfigError('--grid, --target-wait-p95, --target-wait-p50 and --threads go with --sweep');
      }
      if (flags.sweep) {
        if (flags.also.length) throw new ConfigError('--also is for a comparison; with --sweep give the values with --grid');
        const { runSweep, sweepGrid, defaultThreads } = await import('../../simulate/sweep.js');
        const { analyse, formatSweep, sweepJson } = await import('../../simulate/sweep-report.js');
        const { settings, values } = sweepGrid(kind, configured, flags.grid);
        const threads = flags.threads ?? defaultThreads();
        const { progressFor } = await import('../../simulate/progress.js');
        const bar = progressFor(io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
        const started = Date.now();
        const rows = await runSweep({ kind, trace, bootMs: flags.boot, ...(poolConfig ? { base: poolConfig.policy } : {}) }, settings, threads, bar);
        if (bar) io.stderr.write('\r\x1b[K');
        const target = flags.targetWaitP95 !== undefined ? { p95: flags.targetWaitP95 / 1000, ...(flags.targetWaitP50 !== undefined ? { p50: flags.targetWaitP50 / 1000 } : {}) } : undefined;
        if (!target && flags.targetWaitP50 !== undefined) throw new ConfigError('--target-wait-p50 needs --target-wait-p95');
        const sweep = { kind, ...(poolConfig ? { pool: poolConfig.name } : {}), submissions: trace.length, bootMs: flags.boot, threads: Math.min(threads, settings.length), elapsedMs: Date.now() - started, values, rows, ...analyse(rows, target) };
        if (flags.chart) {
          const { renderSweepChart } = await import('../../simulate/sweep-chart.js');
          await writeChart(flags.chart, renderSweepChart(sweep));
        }
        io.stdout.write(flags.json ? JSON.stringify(sweepJson(sweep), null, 2) + '\n' : formatSweep(sweep));
        done(ExitCode.Ok);
        return;
      }
      const also = flags.also.map((text) => {
        const setting = parseCombination(text, configured, kind, '--also');
        return { name: text.replace(/\s+/g, ''), setting, changed: changedKnobs(configured, setting, kind) };
      });
      const result = poolConfig ? simulatePool(trace, poolConfig, { intervalMs: flags.interval, bootMs: flags.boot, also, ...chartOption }) : simulate(trace, { ...workerOptions, also, ...chartOption });
      if (flags.chart) {
        const { renderChart } = await import('../../simulate/chart.js');
        await writeChart(flags.chart, renderChart(result));
      }
      io.stdout.write(flags.json ? JSON.stringify(toJson(result), null, 2) + '\n' : formatTable(result));
      done(ExitCode.Ok);
    });
}

/** Writes the SVG to `path`; a path that cannot be written is a configuration error (exit 2) naming it. */
async function writeChart(path: string, svg: string): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  try {
    writeFileSync(path, svg);
  } catch (err) {
    throw new ConfigError(`cannot write the chart ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** At most about 800 buckets across the trace: the first round length (5 min ... 1 week) that is a whole number of ticks. */
function chartBucket(spanMs: number, intervalMs: number): number {
  const minute = 60_000;
  for (const m of [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080]) {
    const ms = m * minute;
    if (ms >= intervalMs && ms % intervalMs === 0 && spanMs / ms <= 800) return ms;
  }
  return Math.max(1, Math.ceil(spanMs / 800 / intervalMs)) * intervalMs;
}
