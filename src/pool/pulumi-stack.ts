import { describeIssues } from '../evalai/validate.js';
import { ConfigError, describeError } from '../runtime/errors.js';
import { CommandError, type Exec } from '../runtime/exec.js';
import { readPoolJson, readPoolText, validatePoolJson, type PoolFile } from './config.js';
import { checkFields, FillError, fillPool, fromPulumiSchema, type FromPulumiConfig, type PulumiValues } from './pulumi-outputs.js';

/**
 * Reads a pool file whose pools may take launch settings from a Pulumi stack (`fromPulumi`, see
 * pulumi-outputs.ts): each stack named is read once with `pulumi stack output --json` (no
 * --show-secrets: secret outputs read as "[secret]" and are refused), its outputs put into the
 * fields the pool maps them to, then the whole file is validated as usual. Any failure (no pulumi,
 * a non-zero exit, a hang past the timeout, an answer that is no JSON object, a missing or secret
 * output) is a one-line ConfigError naming the file, the field and the stack: exit 2, nothing done.
 */
export interface PulumiReadOptions {
  exec: Exec;
  /** Added to the environment pulumi inherits (tests put a fake pulumi on PATH). */
  env?: Record<string, string>;
}

export async function loadPoolFileWithStacks(path: string, opts: PulumiReadOptions): Promise<PoolFile> {
  const json = readPoolJson(readPoolText(path), path);
  const pools = (json as { pools?: unknown }).pools;
  const read = new Map<number, PulumiValues>();
  if (Array.isArray(pools)) {
    const asked = new Map<string, Promise<Record<string, unknown>>>();
    for (const [i, pool] of pools.entries()) {
      if (pool === null || typeof pool !== 'object' || !('fromPulumi' in pool)) continue;
      const where = `pools[${i}].fromPulumi`;
      const parsed = fromPulumiSchema.safeParse((pool as { fromPulumi: unknown }).fromPulumi);
      if (!parsed.success) throw new ConfigError(`${path}: ${describeIssues(parsed.error, where)}`);
      const config = parsed.data;
      try {
        checkFields(config);
        const key = JSON.stringify([config.command, config.cwd ?? '', config.stack]);
        if (!asked.has(key)) asked.set(key, stackOutputs(config, opts));
        const outputs = await asked.get(key)!;
        read.set(i, fillPool(pool as Record<string, unknown>, config, outputs));
      } catch (err) {
        if (err instanceof FillError) throw new ConfigError(`${path}: field ${where}${err.at ? `.${err.at}` : ''}: ${err.message}`);
        throw err;
      }
    }
  }
  return validatePoolJson(json, path, read);
}

/** `pulumi stack output --json --stack S`: the outputs as a JSON object, or a FillError of the block. */
async function stackOutputs(config: FromPulumiConfig, opts: PulumiReadOptions): Promise<Record<string, unknown>> {
  const args = ['stack', 'output', '--json', '--non-interactive', '--stack', config.stack, ...(config.cwd ? ['--cwd', config.cwd] : [])];
  const stack = JSON.stringify(config.stack);
  let stdout: string;
  try {
    ({ stdout } = await opts.exec(config.command, args, { timeoutMs: config.timeout, ...(opts.env ? { env: opts.env } : {}) }));
  } catch (err) {
    const hint = err instanceof CommandError && err.notStarted ? ' (install the Pulumi CLI, or set fromPulumi.command)' : '';
    throw new FillError('', `\`pulumi stack output\` of stack ${stack} failed: ${describeError(err)}${hint}`);
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(stdout);
  } catch {
    outputs = undefined;
  }
  if (outputs === null || typeof outputs !== 'object' || Array.isArray(outputs)) {
    // The start of what it printed, on one line: output names and values of a non-JSON answer are not secret-marked, so keep it short.
    const start = stdout.trim().replace(/\s+/g, ' ').slice(0, 60);
    throw new FillError('', `\`pulumi stack output --json\` of stack ${stack} answered no JSON object (${start ? `${start}${stdout.trim().length > 60 ? '…' : ''}` : 'nothing'})`);
  }
  return outputs as Record<string, unknown>;
}
