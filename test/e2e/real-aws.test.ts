import { afterAll, describe, expect, it } from 'vitest';
import { runFlow, sweep, uniquePoolName } from './real-aws-flow.js';

/**
 * Opt-in, against real AWS (costs a few minutes of one t3.micro): ENABLE_REAL_AWS_TESTS=1 with
 * credentials and AWS_REGION in the environment; REAL_AWS_AMI and REAL_AWS_SUBNET (comma-separated) are optional.
 * docs/operations.md has the command and the IAM policy it needs. Skipped with one line otherwise.
 */
const enabled = process.env.ENABLE_REAL_AWS_TESTS === '1';
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!enabled) process.stderr.write('skipped: the real-AWS end-to-end test; set ENABLE_REAL_AWS_TESTS=1 (and AWS credentials, AWS_REGION) to run it, see docs/operations.md\n');

const pool = uniquePoolName();
const log = (line: string): void => void process.stderr.write(`real-aws: ${line}\n`);
const clientConfig = region ? { region } : {};
// The bin gets the caller's AWS settings (credentials, profile, region), nothing else.
const binEnv = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('AWS_') && e[1] !== undefined));

describe.skipIf(!enabled)('scale-pool against real AWS', () => {
  afterAll(async () => {
    // Every outcome, a timeout too: nothing tagged with this run's pool is left running.
    const swept = await sweep({ pool, clientConfig, log });
    if (swept.length > 0) log(`swept ${swept.join(', ')}`);
  }, 120_000);

  it('launches one instance, sees it running, and terminates it through the tool', async () => {
    if (!region) throw new Error('set AWS_REGION');
    const { instanceId } = await runFlow({
      pool,
      region,
      clientConfig,
      binEnv,
      ...(process.env.REAL_AWS_AMI ? { imageId: process.env.REAL_AWS_AMI } : {}),
      ...(process.env.REAL_AWS_SUBNET ? { subnetIds: process.env.REAL_AWS_SUBNET.split(',').map((id) => id.trim()) } : {}),
      instanceType: process.env.REAL_AWS_INSTANCE_TYPE ?? 't3.micro',
      waitMs: 10 * 60_000,
      pollMs: 5_000,
      log,
    });
    expect(instanceId).toMatch(/^i-[0-9a-f]+$/);
  }, 30 * 60_000);
});
