import { Option, type Command } from './commander.js';
import { DEFAULTS } from '../runtime/defaults.js';
import { byteSizeArg, durationUpToArg, idListArg, intArg } from './parsers.js';

const HOUR = 3_600_000;

/** The options every command shares; each overrides its environment variable. Defaults shown are the real ones. */
export function addCommonOptions(cmd: Command): Command {
  const maxActions = DEFAULTS.maxActions[cmd.name()];
  return cmd
    .addOption(new Option('--api-host-url <url>', 'EvalAI API base URL (env API_HOST_URL)'))
    .addOption(new Option('--auth-token-file <path>', 'read the bearer token from this file (env AUTH_TOKEN_FILE; else AUTH_TOKEN)'))
    .addOption(new Option('--dry-run', 'decide and print the plan; make no change'))
    .addOption(new Option('--json', 'print a machine-readable report on stdout instead of the human summary'))
    .addOption(new Option('-v, --verbose', 'print a line for every challenge, not only those something happened to'))
    .addOption(new Option('-q, --quiet', 'print only the summary line; log warnings and errors only (unless LOG_LEVEL is set)').conflicts('verbose'))
    .addOption(new Option('--challenge <id...>', 'only these challenge ids (repeat, or comma-separate)').argParser(idListArg))
    .addOption(new Option('--timeout <duration>', `timeout of each HTTP request (default ${DEFAULTS.timeoutMs / 1000}s, at most 10m)`).argParser(durationUpToArg('10m', 10 * 60_000)))
    .addOption(new Option('--retries <n>', `retries of a failed read (default ${DEFAULTS.retries})`).argParser(intArg(0, 10)))
    .addOption(new Option('--concurrency <n>', `changes sent at a time (default ${DEFAULTS.concurrency})`).argParser(intArg(1, 32)))
    .addOption(new Option('--read-concurrency <n>', `challenges observed (read) at a time; metrics reads are not throttled, submission lists are paced by --rate-limit (default ${DEFAULTS.readConcurrency})`).argParser(intArg(1, 64)))
    .addOption(new Option('--max-pages <n>', `refuse challenge lists longer than this many pages (default ${DEFAULTS.maxPages})`).argParser(intArg(1, 100_000)))
    .addOption(new Option('--rate-limit <n>', `calls a minute to EvalAI's user-throttled endpoints, shared by the commands on this host using the same API and token (default ${DEFAULTS.rateLimitPerMinute}; the server allows 60)`).argParser(intArg(1, 60)))
    .addOption(new Option('--deadline <duration>', 'start no new work after this long; exit 5 if work was left (default 4m30s, at most 24h)').argParser(durationUpToArg('24h', 24 * HOUR)))
    .addOption(new Option('--max-actions <n>', `refuse more than this many changes in one run; exit 6 (default ${maxActions ?? 50})`).argParser(intArg(0, 100_000)))
    .addOption(new Option('--state-dir <dir>', 'locks and status files (env EVALAI_AUTOSCALER_STATE_DIR; default ~/.local/state/evalai-autoscaler)'))
    .addOption(new Option('--wait-lock <duration>', 'if another run holds the lock, wait this long for it instead of exiting 4 (at most 24h)').argParser(durationUpToArg('24h', 24 * HOUR)))
    .addOption(new Option('--max-response-bytes <size>', 'largest EvalAI response body read, before and after decompression (env MAX_RESPONSE_BYTES; default 32MiB)').argParser(byteSizeArg))
    .addOption(new Option('--log-level <level>', `pino log level on stderr (env LOG_LEVEL; default ${DEFAULTS.logLevel}, or readable warnings on a terminal)`))
    .addOption(new Option('--metrics-file <path>', 'after the run, write its Prometheus metrics to this file for the textfile collector; {command} and {target} are replaced (env METRICS_FILE)'))
    .addOption(new Option('--pushgateway <url>', 'push Prometheus metrics to this Pushgateway after the run (env PUSHGATEWAY_URL)'));
}
