import type { ChallengeRunResult } from '../core/run-challenges.js';
import { countOutcomes, formatHuman, type RunReport } from '../core/report.js';
import { exitCodeFor, runErrors } from '../core/exit.js';
import { loadCommonConfig, loadEvalAIConfig, type CommonFlags } from '../runtime/config.js';
import { systemClock, type RunContext } from '../runtime/context.js';
import { createLogger } from '../runtime/logger.js';
import { createPacer } from '../runtime/rate-limit.js';
import { Secrets } from '../runtime/secrets.js';
import { Transport } from '../evalai/transport.js';
import type { CliIO } from './io.js';

export interface CommandSpec<F extends CommonFlags> {
  name: string;
  flags: F;
  io: CliIO;
  /**
   * `optional`: the command can work without AUTH_TOKEN (scale-eks with LAMBDA_AUTH_TOKEN); the
   * transport then has an empty default token and each call names its own. Default `required`.
   */
  evalaiToken?: 'required' | 'optional';
  /** The command itself: observe, decide, act over the challenges, with the context built here. */
  run: (ctx: RunContext, flags: F) => Promise<ChallengeRunResult>;
}

/**
 * What every command shares around its own logic, once: configuration layers, the secret registry,
 * the logger, the EvalAI transport, the report and its exit code. Throws ConfigError (exit 2) before
 * anything is sent when the configuration is unusable.
 */
export async function runCommand<F extends CommonFlags>(spec: CommandSpec<F>): Promise<number> {
  const { io, flags } = spec;
  const common = loadCommonConfig(flags, io.env);
  const warnings: string[] = [];
  const evalai = loadEvalAIConfig(flags, io.env, warnings, spec.evalaiToken ?? 'required');
  const secrets = new Secrets();
  secrets.add(evalai.token);
  const logger = createLogger({ level: common.logLevel, secrets, command: spec.name, destination: io.stderr === process.stderr ? undefined : io.stderr });
  for (const w of warnings) logger.warn(w);
  const pacer = createPacer(common.rateLimitPerMinute);

  const transport = new Transport({
    baseUrl: evalai.baseUrl,
    token: evalai.token,
    timeoutMs: evalai.timeoutMs,
    maxAttempts: evalai.maxAttempts,
    logger,
    allowWrites: !common.dryRun,
    beforeThrottledCall: () => pacer.take(),
  });
  const ctx: RunContext = {
    transport,
    logger,
    secrets,
    now: systemClock,
    dryRun: common.dryRun,
    concurrency: common.concurrency,
    maxPages: common.maxPages,
    only: common.only,
  };

  const startedAt = new Date().toISOString();
  logger.info({ dryRun: common.dryRun, api: evalai.baseUrl }, 'run started');
  const result = await spec.run(ctx, flags);
  const exitCode = exitCodeFor(result);
  const report: RunReport = {
    command: spec.name,
    dryRun: common.dryRun,
    startedAt,
    finishedAt: new Date().toISOString(),
    exitCode,
    errors: runErrors(result),
    ...countOutcomes(result.outcomes),
    outcomes: result.outcomes,
  };
  for (const e of report.errors) logger.error(e);
  logger.info({ exitCode, ...report.counts, actions: report.actions }, 'run finished');

  const text = common.json ? JSON.stringify(report, null, 2) + '\n' : formatHuman(report, common.verbose);
  io.stdout.write(secrets.scrub(text));
  return exitCode;
}
