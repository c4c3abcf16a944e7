import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPoolFileWithStacks } from '../../src/pool/pulumi-stack.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { exec } from '../../src/runtime/exec.js';

/**
 * A fake `pulumi` on PATH, driven by environment variables: it records its arguments, then prints
 * FAKE_PULUMI_JSON, hangs, fails like Pulumi does for an unknown stack, or prints garbage.
 */
const dir = mkdtempSync(join(tmpdir(), 'fake-pulumi-'));
writeFileSync(
  join(dir, 'pulumi'),
  [
    '#!/bin/sh',
    'echo "$@" >> "$FAKE_PULUMI_ARGS"',
    'case "$FAKE_PULUMI_MODE" in',
    '  hang) sleep 1000 ;;',
    '  fail) echo "error: no stack named \'dev\' found" >&2; exit 255 ;;',
    '  garbage) echo "Current stack outputs (2):" ;;',
    '  *) printf "%s" "$FAKE_PULUMI_JSON" ;;',
    'esac',
    '',
  ].join('\n'),
);
chmodSync(join(dir, 'pulumi'), 0o755);

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue';
/** Seed 002's stack outputs: a single subnet and security group, as its --stack dev reads them. */
const OUTPUTS = { ami_id: 'ami-0123456789abcdef', subnet_id: 'subnet-abcdef123456', security_group_id: 'sg-123456abcdef', instance_profile: 'receipt-trainer-instance-profile', queue_url: QUEUE, db_password: '[secret]' };

const pool = {
  name: 'trainers',
  fromPulumi: {
    stack: 'dev',
    cwd: '/srv/infra',
    outputs: {
      'backend.launch.imageId': 'ami_id',
      'backend.launch.subnetIds': 'subnet_id',
      'backend.launch.securityGroupIds': 'security_group_id',
      'backend.launch.instanceProfile': 'instance_profile',
      'demand.queueUrl': 'queue_url',
    },
  },
  demand: { type: 'sqs' },
  backend: { type: 'ec2', region: 'us-east-1', instanceTypes: ['c5.large'] },
  policy: { minHosts: 0, maxHosts: 5 },
};

let n = 0;
async function load(pools: unknown[], env: Record<string, string> = {}) {
  n += 1;
  const path = join(dir, `pool-${n}.json`);
  writeFileSync(path, JSON.stringify({ pools }));
  const args = join(dir, `args-${n}`);
  writeFileSync(args, '');
  const loaded = loadPoolFileWithStacks(path, { exec, env: { PATH: `${dir}:${process.env.PATH}`, FAKE_PULUMI_ARGS: args, FAKE_PULUMI_JSON: JSON.stringify(OUTPUTS), ...env } });
  return { loaded, args: () => readFileSync(args, 'utf8'), path };
}

describe('launch settings from a Pulumi stack (seed 002 --stack dev)', () => {
  it('maps the named outputs onto the pool file\'s fields, one `pulumi stack output --json` per stack, and keeps them to show', async () => {
    const { loaded, args } = await load([pool, { ...pool, name: 'evaluators' }]);
    const file = await loaded;
    const p = file.pools[0]!;
    expect(p.demand).toEqual({ type: 'sqs', queueUrl: QUEUE, countInFlight: true });
    expect(p.backend).toMatchObject({ launch: { imageId: 'ami-0123456789abcdef', subnetIds: ['subnet-abcdef123456'], securityGroupIds: ['sg-123456abcdef'], instanceProfile: 'receipt-trainer-instance-profile' } });
    expect(p.fromPulumi).toEqual({
      stack: 'dev',
      values: [
        { field: 'backend.launch.imageId', output: 'ami_id', value: 'ami-0123456789abcdef' },
        { field: 'backend.launch.subnetIds', output: 'subnet_id', value: ['subnet-abcdef123456'] },
        { field: 'backend.launch.securityGroupIds', output: 'security_group_id', value: ['sg-123456abcdef'] },
        { field: 'backend.launch.instanceProfile', output: 'instance_profile', value: 'receipt-trainer-instance-profile' },
        { field: 'demand.queueUrl', output: 'queue_url', value: QUEUE },
      ],
    });
    // Both pools read the same stack: asked once, never with --show-secrets.
    expect(args().trim().split('\n')).toEqual(['stack output --json --non-interactive --stack dev --cwd /srv/infra']);
  });

  it('fills a shape\'s queue: each shape its own output', async () => {
    const shaped = {
      name: 'trainers',
      fromPulumi: { stack: 'dev', outputs: { 'backend.launch.imageId': 'ami_id', 'backend.launch.subnetIds': 'subnet_id', 'shapes.gpu.demand.queueUrl': 'gpu_queue_url' } },
      backend: { type: 'ec2' },
      policy: { minHosts: 0, maxHosts: 3 },
      shapes: { gpu: { demand: { type: 'sqs' }, instanceTypes: ['g4dn.xlarge'], policy: { maxHosts: 3 } } },
    };
    const { loaded } = await load([shaped], { FAKE_PULUMI_JSON: JSON.stringify({ ...OUTPUTS, gpu_queue_url: `${QUEUE}-gpu` }) });
    const file = await loaded;
    expect(file.pools.map((p) => [p.name, (p.demand as { queueUrl: string }).queueUrl])).toEqual([['trainers.gpu', `${QUEUE}-gpu`]]);
  });

  const failures: Array<[string, unknown, Record<string, string>, RegExp]> = [
    ['a missing output', { ...pool, fromPulumi: { ...pool.fromPulumi, outputs: { ...pool.fromPulumi.outputs, 'backend.launch.keyName': 'key_name' } } }, {}, /field pools\[0\]\.fromPulumi\.outputs\.backend\.launch\.keyName: stack "dev" has no output "key_name" \(its outputs: ami_id, db_password, instance_profile, queue_url, security_group_id, subnet_id\)$/],
    ['a secret output', { ...pool, fromPulumi: { ...pool.fromPulumi, outputs: { ...pool.fromPulumi.outputs, 'backend.launch.keyName': 'db_password' } } }, {}, /field pools\[0\]\.fromPulumi\.outputs\.backend\.launch\.keyName: output "db_password" of stack "dev" is a secret/],
    ['a non-zero exit', pool, { FAKE_PULUMI_MODE: 'fail' }, /field pools\[0\]\.fromPulumi: `pulumi stack output` of stack "dev" failed: pulumi stack: exit 255: error: no stack named 'dev' found$/],
    ['garbage instead of JSON', pool, { FAKE_PULUMI_MODE: 'garbage' }, /field pools\[0\]\.fromPulumi: `pulumi stack output --json` of stack "dev" answered no JSON object \(Current stack outputs/],
    ['JSON that is not an object', pool, { FAKE_PULUMI_JSON: '[1,2]' }, /answered no JSON object/],
    ['a hang', { ...pool, fromPulumi: { ...pool.fromPulumi, timeout: '1s' } }, { FAKE_PULUMI_MODE: 'hang' }, /field pools\[0\]\.fromPulumi: `pulumi stack output` of stack "dev" failed: pulumi stack: no answer within 1 s: killed \(its process group too\)$/],
    ['no pulumi on PATH', pool, { PATH: '/nonexistent' }, /field pools\[0\]\.fromPulumi: `pulumi stack output` of stack "dev" failed: pulumi: cannot run: not found on PATH=\/nonexistent \(install the Pulumi CLI, or set fromPulumi\.command\)$/],
    ['a field also given in the file', { ...pool, demand: { type: 'sqs', queueUrl: QUEUE } }, {}, /field pools\[0\]\.fromPulumi\.outputs\.demand\.queueUrl: also set in the file \(demand\.queueUrl\): give it in one place/],
    ['a field that cannot come from Pulumi', { ...pool, fromPulumi: { ...pool.fromPulumi, outputs: { 'policy.maxHosts': 'max' } } }, {}, /field pools\[0\]\.fromPulumi\.outputs\.policy\.maxHosts: not a field Pulumi can fill \(/],
    ['a list for a single field', pool, { FAKE_PULUMI_JSON: JSON.stringify({ ...OUTPUTS, ami_id: ['ami-1', 'ami-2'] }) }, /field pools\[0\]\.fromPulumi\.outputs\.backend\.launch\.imageId: output "ami_id" of stack "dev" is not a string/],
    ['a field path through __proto__', { ...pool, fromPulumi: { ...pool.fromPulumi, outputs: { 'shapes.__proto__.imageId': 'ami_id' } } }, {}, /field pools\[0\]\.fromPulumi\.outputs\.shapes\.__proto__\.imageId: not a field Pulumi can fill/],
    ['an unknown shape', { ...pool, fromPulumi: { ...pool.fromPulumi, outputs: { 'shapes.tpu.demand.queueUrl': 'queue_url' } } }, {}, /field pools\[0\]\.fromPulumi\.outputs\.shapes\.tpu\.demand\.queueUrl: the pool has no shape "tpu"/],
  ];
  it.each(failures)('%s: a one-line ConfigError naming the field, the stack and the cause', async (_name, p, env, message) => {
    const { loaded } = await load([p], env);
    const err = await loaded.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^\S*pool-\d+\.json: /);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a shape path never reaches an object\'s prototype', async () => {
    const { loaded } = await load([{ ...pool, shapes: { cpu: {} }, fromPulumi: { ...pool.fromPulumi, outputs: { 'shapes.constructor.imageId': 'ami_id' } } }]);
    await expect(loaded).rejects.toThrow(/field pools\[0\]\.fromPulumi\.outputs\.shapes\.constructor\.imageId: the pool has no shape "constructor"/);
    expect(({} as Record<string, unknown>).imageId).toBeUndefined();
  });

  it('a secret never appears in an error, even when the output is asked for', async () => {
    const { loaded } = await load([{ ...pool, fromPulumi: { ...pool.fromPulumi, outputs: { 'demand.queueUrl': 'db_password' } } }], { FAKE_PULUMI_JSON: JSON.stringify({ ...OUTPUTS, db_password: '[secret]' }) });
    await expect(loaded).rejects.toThrow(/is a secret \(shown as "\[secret\]"\): map a plain output/);
  });
});
