/** Starts a sandbox for a person to play with and prints how to point the tools at it. */
import { SEEDED } from './seed.js';
import { startSandbox, type Sandbox } from './server.js';

export async function runSandbox(opts: { host?: string; port?: number }, out: NodeJS.WritableStream): Promise<Sandbox> {
  const sandbox = await startSandbox({
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  });
  const t = sandbox.tokens;
  const lines = [
    `EvalAI sandbox listening on ${sandbox.url}`,
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
    'Try:',
    `  API_HOST_URL=${sandbox.url} AUTH_TOKEN=${t.staff} scale-workers --dry-run`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  out.write(lines.join('\n'));
  return sandbox;
}
