/** What the sandbox tells a person who starts it: its counts, its tokens, commands that work as printed. */
import { realpathSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEEDED } from './seed.js';
import type { SandboxState } from './state.js';
import type { SandboxTokens } from './tokens.js';

const BIN_DIR = fileURLToPath(new URL('../../bin/', import.meta.url));

function realpath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** True when `name` on PATH is this package's own bin (an `npm install -g`, a `npm link`). */
export function onPath(name: string, path: string | undefined = process.env.PATH): boolean {
  const own = realpath(join(BIN_DIR, `${name}.js`));
  if (!own || !path) return false;
  return path.split(delimiter).some((dir) => dir !== '' && realpath(join(dir, name)) === own);
}

/**
 * How to run one of this package's commands, as a person would type it: the command name when
 * that name on PATH is this package's bin (installed); `node bin/scale-workers.js` from a clone
 * (relative to the current directory); the absolute path of an installed bin that is not on PATH.
 */
export function binCommand(name: string, cwd: string = process.cwd(), path: string | undefined = process.env.PATH): string {
  if (onPath(name, path)) return name;
  const file = join(BIN_DIR, `${name}.js`);
  const installed = /[\\/]node_modules[\\/]/.test(BIN_DIR);
  const shown = installed ? file : `${relative(cwd, BIN_DIR) || '.'}/${name}.js`;
  return `node ${shown.includes(' ') ? JSON.stringify(shown) : shown}`;
}

/** "323 challenges seeded; 322 listed, as EvalAI lists them: ..." so a run's count is no surprise. */
export function describeCounts(state: SandboxState): string {
  const all = [...state.challenges.values()];
  const hidden = all.filter((c) => c.is_disabled).map((c) => c.id);
  if (hidden.length === 0) return `${all.length} challenges seeded, all listed: each command reports ${all.length}.`;
  return (
    `${all.length} challenges seeded; the challenge list shows ${all.length - hidden.length}, so each command reports ` +
    `${all.length - hidden.length}: EvalAI leaves disabled challenges out of every list, and challenge${hidden.length === 1 ? '' : 's'} ` +
    `${hidden.join(', ')} ${hidden.length === 1 ? 'is' : 'are'} disabled (is_disabled).`
  );
}

export function bannerLines(url: string, state: SandboxState, t: SandboxTokens, cwd: string = process.cwd()): string[] {
  const run = (name: string, args: string) => `  ${binCommand(name, cwd)} ${args}`;
  return [
    `EvalAI sandbox listening on ${url}`,
    describeCounts(state),
    '',
    'Fake tokens (this server only):',
    `  staff         ${t.staff}`,
    `  host team 1   ${t.host(SEEDED.teams.ecs)}  (ECS challenges ${SEEDED.activePendingNoWorker}-${SEEDED.remoteEvaluationPending})`,
    `  host team 2   ${t.host(SEEDED.teams.ec2)}  (EC2 challenges ${SEEDED.ec2Stopped}-${SEEDED.ec2NoInstance})`,
    `  host team 3   ${t.host(SEEDED.teams.eks)}  (EKS challenges ${SEEDED.eksWithNodegroup}-${SEEDED.eksEndedLongAgo})`,
    `  host team 4   ${t.host(SEEDED.teams.submissions)}  (stale submissions, challenge ${SEEDED.staleSubmissions})`,
    `  participant   ${t.participant}`,
    `  expired       ${t.expired}`,
    `  blacklisted   ${t.blacklisted}`,
    `  unverified    ${t.unverified}`,
    `  lambda        ${t.lambda ?? '(unset)'}`,
    '',
    'Try, in another terminal from this directory:',
    `  export API_HOST_URL=${url} AUTH_TOKEN=${t.staff} ENV=prod`,
    run('scale-workers', '--dry-run'),
    run('scale-ec2', '--dry-run              # through EvalAI: the sandbox plays the EC2 side'),
    run('cancel-stale', '--dry-run -v'),
    run('stop-idle', '--dry-run'),
    '',
    'These need AWS, which the sandbox does not have: scale-eks (EKS nodegroups) and scale-ec2 --via aws',
    '(EC2 directly). Against the sandbox they read EvalAI, then each challenge fails on its AWS call',
    '(exit 1). To try them, point the AWS SDK at an AWS emulator with AWS_ENDPOINT_URL, e.g.',
    `  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\`,
    `    LAMBDA_AUTH_TOKEN=${t.lambda ?? '<lambda token>'} ${binCommand('scale-eks', cwd)} --dry-run`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
}
