import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEksConfigFile, parseEksConfig } from '../../src/commands/scale-eks/config-file.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { Secrets } from '../../src/runtime/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'scale-eks-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  chmodSync(path, mode);
  return path;
}

const upstream = {
  '315': {
    auth_token: 'host-token-315-abcdef',
    scale_up_desired_size: 3,
    aws_keys: { AWS_ACCESS_KEY_ID: 'AKIAENTRY315', AWS_SECRET_ACCESS_KEY: 'entry-secret-315', AWS_REGION: 'eu-west-1' },
  },
  '316': { auth_token: 'host-token-316-abcdef' },
};

describe('the upstream config file format', () => {
  it('reads upstream entries with upstream defaults', () => {
    const c = parseEksConfig(JSON.stringify(upstream), 'x.json', new Secrets());
    expect(c.broken).toEqual([]);
    expect(c.entries).toEqual([
      {
        key: '315',
        challengeId: 315,
        authToken: 'host-token-315-abcdef',
        scaleUpDesiredSize: 3,
        awsKeys: { accessKeyId: 'AKIAENTRY315', secretAccessKey: 'entry-secret-315', sessionToken: undefined, region: 'eu-west-1' },
      },
      { key: '316', challengeId: 316, authToken: 'host-token-316-abcdef', scaleUpDesiredSize: 1 },
    ]);
  });

  it('reads the optional nodegroup_name and max_size', () => {
    const c = parseEksConfig(JSON.stringify({ '7': { auth_token: 'tok-7-abc', scale_up_desired_size: 2, max_size: 5, nodegroup_name: 'ng-gpu' } }), 'x', new Secrets());
    expect(c.entries[0]).toMatchObject({ maxSize: 5, nodegroupName: 'ng-gpu', scaleUpDesiredSize: 2 });
  });

  it('tolerates upstream\'s extra AWS fields (AWS_ACCOUNT_ID, bucket)', () => {
    const c = parseEksConfig(
      JSON.stringify({ '7': { auth_token: 'tok-7-abc', aws_keys: { AWS_ACCOUNT_ID: '1', AWS_STORAGE_BUCKET_NAME: 'b', AWS_ACCESS_KEY_ID: 'AKIA7777', AWS_SECRET_ACCESS_KEY: 'sec-7777', AWS_REGION: 'us-east-1' } } }),
      'x',
      new Secrets(),
    );
    expect(c.broken).toEqual([]);
    expect(c.warnings).toEqual([]);
  });

  it('warns about unknown fields (a typo would otherwise be silently ignored)', () => {
    const c = parseEksConfig(JSON.stringify({ '7': { auth_token: 'tok-7-abc', 'max-size': 3 } }), 'x', new Secrets());
    expect(c.warnings).toEqual(['config entry "7": unknown field "max-size" ignored']);
  });
});

describe('a broken entry is reported with its key and skipped; the rest still run', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing auth_token', { '12': { scale_up_desired_size: 2 } }, /^config entry "12": field auth_token: missing$/],
    ['empty auth_token', { '12': { auth_token: '  ' } }, /config entry "12": field auth_token: must not be empty/],
    ['auth_token with whitespace inside', { '12': { auth_token: 'host-part-a host-part-b' } }, /config entry "12": field auth_token: the token holds more than one word \(whitespace inside it\); it must hold only the token$/],
    ['size not a number', { '12': { auth_token: 'tok-12-abc', scale_up_desired_size: '3' } }, /config entry "12": field scale_up_desired_size: expected number, received string/],
    ['size 0', { '12': { auth_token: 'tok-12-abc', scale_up_desired_size: 0 } }, /field scale_up_desired_size/],
    ['max_size below the desired size', { '12': { auth_token: 'tok-12-abc', scale_up_desired_size: 4, max_size: 2 } }, /field max_size: max_size must not be below scale_up_desired_size/],
    ['key id without secret', { '12': { auth_token: 'tok-12-abc', aws_keys: { AWS_ACCESS_KEY_ID: 'AKIA1212' } } }, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together/],
    ['not a challenge id', { abc: { auth_token: 'tok-12-abc' } }, /config entry "abc": the key must be a challenge id/],
    ['not an object', { '12': 'tok-12-abc' }, /config entry "12": expected an object/],
  ];
  it.each(cases)('%s', (_name, broken, problem) => {
    const c = parseEksConfig(JSON.stringify({ ...broken, '316': upstream['316'] }), 'x', new Secrets());
    expect(c.entries.map((e) => e.key)).toEqual(['316']);
    expect(c.broken).toHaveLength(1);
    expect(c.broken[0]!.problem).toMatch(problem);
  });

  it('two keys for one challenge: the second is broken', () => {
    const c = parseEksConfig('{"12": {"auth_token": "tok-a-123"}, " 12": {"auth_token": "tok-b-123"}}', 'x', new Secrets());
    expect(c.entries.map((e) => e.key)).toEqual(['12']);
    expect(c.broken[0]!.problem).toMatch(/config entry " 12": challenge 12 already has entry "12"/);
  });

  it('never puts a secret in a problem, and registers every secret, even of broken entries', () => {
    const secrets = new Secrets();
    const c = parseEksConfig(
      JSON.stringify({ '12': { auth_token: 'broken-entry-token', scale_up_desired_size: 'x', aws_keys: { AWS_SECRET_ACCESS_KEY: 'broken-entry-secret' } }, ...upstream }),
      'x',
      secrets,
    );
    const all = JSON.stringify(c);
    expect(c.broken[0]!.problem).not.toContain('broken-entry');
    for (const s of ['broken-entry-token', 'broken-entry-secret', 'host-token-315-abcdef', 'AKIAENTRY315', 'entry-secret-315', 'host-token-316-abcdef']) {
      expect(secrets.scrub(`x ${s} y`)).toBe('x [REDACTED] y');
    }
    expect(secrets.scrub(all)).not.toMatch(/host-token|entry-secret/);
  });
});

describe('loadEksConfigFile', () => {
  it('an unreadable file is a configuration error naming the path', () => {
    expect(() => loadEksConfigFile(join(dir, 'nope.json'), new Secrets())).toThrow(ConfigError);
    expect(() => loadEksConfigFile(join(dir, 'nope.json'), new Secrets())).toThrow(/cannot read the EKS config file .*nope\.json \(ENOENT\)/);
  });

  it('invalid JSON is a configuration error that does not quote the file', () => {
    const path = file('bad.json', '{"12": {"auth_token": "secret-in-broken-json"');
    let message = '';
    try {
      loadEksConfigFile(path, new Secrets());
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/is not valid JSON/);
    expect(message).not.toContain('secret-in-broken-json');
  });

  it('a JSON array is a configuration error', () => {
    expect(() => loadEksConfigFile(file('array.json', [upstream]), new Secrets())).toThrow(/must hold a JSON object keyed by challenge id/);
  });

  it('warns when the file is readable by group or others', () => {
    const shared = loadEksConfigFile(file('shared.json', upstream, 0o644), new Secrets());
    expect(shared.warnings).toEqual([expect.stringMatching(/the EKS config file .*shared\.json is readable by group or others \(mode 644\); chmod 600 it/)]);
    expect(loadEksConfigFile(file('private.json', upstream, 0o600), new Secrets()).warnings).toEqual([]);
  });

  it('expands ~ (upstream passes "~/prod_eks_auth_tokens.json" to open() as is)', () => {
    file('prod_eks_auth_tokens.json', upstream);
    const home = process.env.HOME;
    process.env.HOME = dir; // os.homedir() reads HOME
    try {
      const c = loadEksConfigFile('~/prod_eks_auth_tokens.json', new Secrets());
      expect(c.path).toBe(join(dir, 'prod_eks_auth_tokens.json'));
      expect(c.entries).toHaveLength(2);
    } finally {
      process.env.HOME = home;
    }
  });
});

describe('an entry\'s auth_token as pasted', () => {
  it('"Bearer <token>" with spaces is read as the token itself', () => {
    const secrets = new Secrets();
    const c = parseEksConfig(JSON.stringify({ '7': { auth_token: '  Bearer tok-7-abc\n' } }), 'x', secrets);
    expect(c.entries[0]!.authToken).toBe('tok-7-abc');
    expect(secrets.scrub('sent tok-7-abc')).toBe('sent [REDACTED]');
  });
});
