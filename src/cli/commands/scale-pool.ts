import { Command, Option } from '../commander.js';
import type { PoolFlags } from '../../commands/scale-pool/settings.js';
import { byteSizeArg, durationUpToArg, intArg } from '../parsers.js';
import type { CliIO } from '../../runtime/io.js';
import { prepareRun } from '../run-prelude.js';
import { SCALE_POOL_EXIT_CODES_LINE, usageErrorsNamed } from '../help.js';

const HOUR = 3_600_000;

/** Options that only change what a run does: `status` changes nothing and publishes nothing, so it refuses them. */
const ACTING_OPTIONS = ['dry-run', 'max-actions', 'metrics-file', 'pushgateway'] as const;

/** The options of every scale-pool subcommand: the pool file, the pool, and the common ones that apply. */
function addPoolOptions(cmd: Command, opts: { readOnly?: boolean } = {}): Command {
  const options = poolOptions().filter((o) => !(opts.readOnly && (ACTING_OPTIONS as readonly string[]).includes(o.name())));
  for (const o of options) cmd.addOption(o);
  return cmd;
}

function poolOptions(): Option[] {
  return [
    new Option('--config <path>', 'the pool file (JSON; env SCALE_POOL_CONFIG)'),
    new Option('--pool <name>', 'only this pool of the file (default: every pool in it)'),
    new Option('--dry-run', 'decide and print the plan; make no change'),
    new Option('--json', 'print a machine-readable report on stdout instead of the human summary'),
    new Option('-v, --verbose', 'print every move, not only drains, terminations, recaptures and hosts turned unhealthy'),
    new Option('--timeout <duration>', 'timeout of each AWS and EvalAI request (default 10s, at most 10m)').argParser(durationUpToArg('10m', 10 * 60_000)),
    new Option('--deadline <duration>', 'start no new pool after this long; exit 5 if a pool was left (default 4m30s, at most 24h)').argParser(durationUpToArg('24h', 24 * HOUR)),
    new Option('--max-actions <n>', 'refuse more than this many launches, drains and terminations in one run; exit 6 (default 50)').argParser(intArg(0, 100_000)),
    new Option('--state-dir <dir>', 'locks, status and pool state files (env EVALAI_AUTOSCALER_STATE_DIR; default ~/.local/state/evalai-autoscaler)'),
    new Option('--wait-lock <duration>', 'if another run holds the lock, wait this long for it instead of exiting 4 (at most 24h)').argParser(durationUpToArg('24h', 24 * HOUR)),
    new Option('--api-host-url <url>', 'evalai demand: EvalAI API base URL (env API_HOST_URL)'),
    new Option('--auth-token-file <path>', 'evalai demand: read the staff bearer token from this file (env AUTH_TOKEN_FILE; else AUTH_TOKEN)'),
    new Option('--retries <n>', 'evalai demand: retries of a failed read (default 2)').argParser(intArg(0, 10)),
    new Option('--concurrency <n>', 'evalai demand: metrics read at a time (default 4)').argParser(intArg(1, 32)),
    new Option('--max-response-bytes <size>', 'evalai demand: largest EvalAI response body read (env MAX_RESPONSE_BYTES; default 32MiB)').argParser(byteSizeArg),
    new Option('--log-level <level>', 'pino log level on stderr (env LOG_LEVEL; default info)'),
    new Option('--metrics-file <path>', 'run: after each tick, write its Prometheus metrics to this file for the textfile collector; {command} and {target} are replaced (env METRICS_FILE)'),
    new Option('--pushgateway <url>', 'run: push Prometheus metrics to this Pushgateway after each tick (env PUSHGATEWAY_URL)'),
  ];
}

/** Options given before the subcommand (`scale-pool --config x run`) count as if given after it. */
function merged<F>(cmd: Command): F {
  return { ...(cmd.parent?.opts() ?? {}), ...cmd.opts() } as F;
}

export function scalePoolCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('scale-pool').description('keep a pool of hosts sized to its demand: EC2 instances from an SQS queue or EvalAI, or SLURM jobs from Ray\'s pending tasks; hosts in a state machine (seeds 002, 003, 004)');
  /** Every action's start: the run's prelude, then its pool file and flags read (before the lock). */
  const setupOf = async (flags: PoolFlags, opts?: { dryRun?: boolean; onePool?: string }) => {
    await prepareRun();
    return (await import('../../commands/scale-pool/settings.js')).preparePoolRun(flags, io, opts);
  };

  const run = new Command('run')
    .description('one tick of every pool in the file: observe, decide, act (for cron); --interval keeps ticking')
    .addOption(new Option('--interval <duration>', 'daemon: tick again this long after each tick ends, until SIGTERM/SIGINT (at least 1s, at most 24h)').argParser(durationUpToArg('24h', 24 * HOUR)));
  addPoolOptions(run).action(async (_opts: PoolFlags, self: Command) => {
    const flags = merged<PoolFlags>(self);
    const setup = await setupOf(flags);
    const { runInShell } = await import('../../runtime/run-shell.js');
    const { runPools } = await import('../../commands/scale-pool/run.js');
    const once = (): Promise<number> => runInShell(setup.spec, (shell) => runPools(setup, shell, io.sleep));
    if (flags.interval === undefined) return done(await once());
    if (flags.interval < 1000) {
      const { ConfigError } = await import('../../runtime/errors.js');
      throw new ConfigError('--interval must be at least 1s');
    }
    const { runDaemon } = await import('../../commands/scale-pool/daemon.js');
    const { createLogger } = await import('../../runtime/logger.js');
    const { fdLogSink, streamLogSink } = await import('../../runtime/log-stream.js');
    const sink = io.stderr === process.stderr ? fdLogSink(2) : streamLogSink(io.stderr);
    const logger = createLogger({ level: setup.common.logLevel, secrets: setup.spec.secrets, command: 'scale-pool', sink });
    done(await runDaemon({ io, intervalMs: flags.interval, logger, tick: once }));
  });

  const status = new Command('status').description('demand, desired hosts and why, every host with state, type, lifecycle and age in state (SLURM: job, state, partition, node, time left); changes nothing, so refuses --dry-run, --max-actions, --metrics-file and --pushgateway');
  addPoolOptions(status, { readOnly: true }).action(async (_opts: PoolFlags, self: Command) => {
    const flags = merged<PoolFlags>(self);
    const setup = await setupOf(flags, { dryRun: true });
    const { runInShell } = await import('../../runtime/run-shell.js');
    const { poolStatus } = await import('../../commands/scale-pool/status.js');
    done(await runInShell(setup.spec, (shell) => poolStatus(setup, shell, io.sleep)));
  });

  const subs: Command[] = [run, status];
  for (const direction of ['up', 'down'] as const) {
    const manual = new Command(`scale-${direction}`)
      .argument('<n>', direction === 'up' ? 'hosts to add (recaptures draining hosts first), up to max' : 'hosts to drain, down to min (never terminated while busy)', intArg(1, 10_000))
      .description(direction === 'up' ? 'add N hosts now, bounded by max; says what the next tick will do' : 'drain N hosts now, bounded by min (drain only); says what the next tick will do');
    addPoolOptions(manual).action(async (n: number, _opts: PoolFlags, self: Command) => {
      const flags = merged<PoolFlags>(self);
      const setup = await setupOf(flags, { onePool: `scale-${direction}` });
      const { runInShell } = await import('../../runtime/run-shell.js');
      const { manualScale } = await import('../../commands/scale-pool/manual.js');
      done(await runInShell(setup.spec, (shell) => manualScale(setup, shell, direction, n, io.sleep)));
    });
    subs.push(manual);
  }
  for (const action of ['pause', 'resume'] as const) {
    const sub = new Command(action).description(
      action === 'pause'
        ? 'pause one pool: every scheduler of it keeps observing and reporting, and launches, drains and terminates nothing (minHosts not enforced) until resume; idempotent'
        : 'resume a paused pool: its next tick acts again; idempotent',
    );
    sub.addOption(new Option('--config <path>', 'the pool file (JSON; env SCALE_POOL_CONFIG)'));
    sub.addOption(new Option('--pool <name>', 'the pool (needed when the file holds several)'));
    if (action === 'pause') sub.addOption(new Option('--reason <text>', 'why, shown by status, run and --json (at most 500 characters)'));
    sub.addOption(new Option('--by <name>', 'who, shown with the pause (default: user@host)'));
    sub.addOption(new Option('--dry-run', 'say what would change; write nothing'));
    sub.addOption(new Option('--json', 'print a machine-readable report on stdout instead of the human summary'));
    sub.addOption(new Option('--state-dir <dir>', 'where the pause file is kept without backend.coordination (env EVALAI_AUTOSCALER_STATE_DIR)'));
    sub.addOption(new Option('--timeout <duration>', 'timeout of each S3 request with backend.coordination (default 10s, at most 10m)').argParser(durationUpToArg('10m', 10 * 60_000)));
    sub.action(async (_opts: unknown, self: Command) => {
      await prepareRun();
      const { pauseOrResume } = await import('../../commands/scale-pool/pause.js');
      done(await pauseOrResume(merged(self), io, action));
    });
    subs.push(sub);
  }
  for (const sub of subs) {
    // main() sets these on the top-level commands only; a usage error here must not exit the process.
    sub.exitOverride();
    sub.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    usageErrorsNamed(sub, `scale-pool ${sub.name()}`);
    sub.addHelpText('after', `\n${SCALE_POOL_EXIT_CODES_LINE}`);
    cmd.addCommand(sub);
  }
  return cmd;
}
