import { fileURLToPath } from 'node:url';
import type { Command } from './commander.js';

/** The exit codes every run command shares, in one line for --help (docs/architecture.md has the table). */
export const EXIT_CODES_LINE =
  'Exit codes: 0 ok, 1 some challenges failed, 2 usage or configuration error, 3 EvalAI unreachable or token rejected, 4 locked by another run, 5 deadline passed, 6 --max-actions refused changes';

/** scale-pool's own: it acts on pools, not challenges (src/commands/scale-pool/run.ts runExitCode; docs/scale-pool.md). */
export const SCALE_POOL_EXIT_CODES_LINE =
  'Exit codes: 0 ok (also when min, max or launching hosts left less to do than asked: the output says why), 1 a pool failed (its demand or hosts could not be read, an action failed), 2 usage or configuration error, 3 no pool could be listed (cloud or SLURM unreachable, credentials refused; pause/resume: the pause could not be read or written), 4 locked by another run, 5 deadline passed with pools not started, 6 --max-actions refused changes, 130/143 stopped by SIGINT/SIGTERM';

/** The page of a command in the docs/ shipped with this package (a clone or an `npm install -g`). */
export function docsPage(page: string): string {
  return fileURLToPath(new URL(`../../docs/${page}.md`, import.meta.url));
}

/**
 * What --help shows after the options: a few examples, the exit codes and the docs page; and how a
 * usage error reads: one line starting with the command's name, like a configuration error.
 */
export function teach(cmd: Command, help: { examples: string[]; page: string; exitCodes?: string }): Command {
  const name = cmd.name();
  const text = [
    '',
    'Examples:',
    ...help.examples.map((e) => `  ${e}`),
    '',
    help.exitCodes ?? EXIT_CODES_LINE,
    `Docs: ${docsPage(help.page)}`,
  ].join('\n');
  return usageErrorsNamed(cmd.addHelpText('after', text), name);
}

/** commander's own errors ("error: unknown option ...") become "<name>: usage error: ..." plus a hint. */
export function usageErrorsNamed(cmd: Command, name: string): Command {
  return cmd
    .showHelpAfterError(`(${name} --help for usage)`)
    .configureOutput({ outputError: (str, write) => write(`${name}: ${str.replace(/^error: /, 'usage error: ')}`) });
}

const ENV_PREFIX = 'API_HOST_URL=https://eval.ai AUTH_TOKEN_FILE=/etc/evalai/staff.token';

/** Two or three examples per command, each a line an operator would type. */
export const HELP: Record<string, { examples: string[]; page: string; exitCodes?: string }> = {
  'scale-workers': {
    page: 'scale-workers',
    examples: [
      `${ENV_PREFIX} ENV=prod scale-workers --dry-run   # print the plan, change nothing`,
      'scale-workers --challenge 12,13 -v                 # only these challenges, a line for each',
      'scale-workers --json --max-actions 10              # the report as JSON; at most 10 changes',
    ],
  },
  'scale-ec2': {
    page: 'scale-ec2',
    examples: [
      `${ENV_PREFIX} scale-ec2 --dry-run   # through EvalAI (staff token), change nothing`,
      'scale-ec2 --via aws --instance 12=i-0123456789abcdef0 --region us-east-1   # straight to EC2 with AWS credentials',
    ],
  },
  'scale-eks': {
    page: 'scale-eks',
    examples: [
      `${ENV_PREFIX} JSON_PATH=/etc/evalai/eks.json scale-eks --dry-run   # the config file's challenges`,
      'API_HOST_URL=https://eval.ai LAMBDA_AUTH_TOKEN_FILE=/etc/evalai/lambda.token scale-eks   # EvalAI\'s autoscale endpoints',
    ],
  },
  'cancel-stale': {
    page: 'cancel-stale',
    examples: [
      `${ENV_PREFIX} cancel-stale --dry-run -v   # list what would be cancelled`,
      'cancel-stale --older-than 21d --challenge 42   # a longer threshold, one challenge',
    ],
  },
  'stop-idle': {
    page: 'stop-idle',
    examples: [
      `${ENV_PREFIX} stop-idle --dry-run   # which workers would be removed`,
      'stop-idle --grace 3d --action stop   # wait 3 days after the end; scale unapproved ones to 0 instead of deleting',
    ],
  },
  status: {
    page: 'operations',
    exitCodes: 'Exit codes: 0 ok, 1 a command has not run within --max-age (or never ran, or its status file is unusable): its cron line or timer stopped, 2 usage error, 7 it runs but has not succeeded within --max-age: the failing items and since when are on stderr',
    examples: [
      'evalai-autoscaler status                     # the last run of each command',
      'evalai-autoscaler status --command scale-workers scale-ec2 --max-age 30m   # exit 1 when one stopped running, 7 when it keeps failing',
      "evalai-autoscaler status --forget 'scale-workers@evla.ai-1a2b3c4d'   # stop watching a target nobody runs",
    ],
  },
  'scale-pool': {
    page: 'scale-pool',
    exitCodes: SCALE_POOL_EXIT_CODES_LINE,
    examples: [
      'scale-pool run --config /etc/evalai-autoscaler/pools.json --dry-run   # demand, desired hosts and the moves, changing nothing',
      'scale-pool run --config pools.json --interval 60s                    # a daemon: one tick a minute until SIGTERM',
      'scale-pool status --config pools.json --pool trainers                # every host with its state, type and age in state',
      'scale-pool scale-up 2 --config pools.json --pool trainers            # now; bounded by max, and says what the next tick does',
    ],
  },
  simulate: {
    page: 'simulate',
    exitCodes: 'Exit codes: 0 ok, 2 usage error or a trace that cannot be read (the line says file:line and the field)',
    examples: [
      'evalai-autoscaler simulate --trace examples/traces/month.csv   # upstream, always-on and the oracle side by side',
      'evalai-autoscaler simulate --trace month.csv --scale-down-delay 30m --min-uptime 15m --chart month.svg   # try a policy first',
    ],
  },
};
