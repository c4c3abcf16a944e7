/** examples/kubernetes: every object valid against the Kubernetes schema, and the CronJobs set up as the docs say. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/runtime/config.js';
import { parseDuration } from '../../src/runtime/duration.js';
import { ROOT, cronLines } from './cron-lines.js';

const docs = parseAllDocuments(readFileSync(join(ROOT, 'examples/kubernetes/cronjobs.yaml'), 'utf8'));
const objects = docs.map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as { kind: string; metadata: { name: string } } & Record<string, unknown>;
});
const MODELS: Record<string, new (data: never) => { validate(): void }> = { CronJob, PersistentVolumeClaim };

interface Container {
  args: string[];
  env: Array<{ name: string; value: string }>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
  resources: { requests: Record<string, string> };
  securityContext: Record<string, unknown>;
}
const cronJobs = objects.filter((o) => o.kind === 'CronJob') as unknown as Array<{
  metadata: { name: string };
  spec: {
    schedule: string;
    concurrencyPolicy: string;
    startingDeadlineSeconds: number;
    jobTemplate: { spec: { activeDeadlineSeconds: number; template: { spec: { securityContext: Record<string, unknown>; containers: Container[]; volumes: Array<{ name: string; secret?: unknown; persistentVolumeClaim?: unknown }> } } } };
  };
}>;

describe('examples/kubernetes/cronjobs.yaml', () => {
  it.each(objects.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('%s is valid against the Kubernetes schema', (_n, o) => {
    const Model = MODELS[o.kind];
    expect(Model, `no schema model for ${o.kind}`).toBeDefined();
    expect(() => new Model!(o as never).validate()).not.toThrow();
  });

  it('has a CronJob per command', () => {
    expect(cronJobs.map((j) => j.spec.jobTemplate.spec.template.spec.containers[0]!.args[0]).sort()).toEqual(['cancel-stale', 'scale-ec2', 'scale-eks', 'scale-workers', 'stop-idle']);
  });

  it.each(cronJobs.map((j) => [j.metadata.name, j] as const))('%s: Forbid, deadlines, the token as a file, requests, non-root, state on a volume, the crontab\'s time', (_n, job) => {
    const pod = job.spec.jobTemplate.spec.template.spec;
    const c = pod.containers[0]!;
    const command = c.args[0]!;
    expect(job.spec.schedule).toBe(cronLines('examples/crontab').find((l) => l.job === command)!.schedule);
    expect(job.spec.concurrencyPolicy).toBe('Forbid');
    expect(job.spec.startingDeadlineSeconds).toBeGreaterThan(0);
    // The pod may not be killed before the run's own hard deadline: --deadline + 2 x attempts x timeout + grace.
    const i = c.args.indexOf('--deadline');
    const deadlineMs = i >= 0 ? parseDuration(c.args[i + 1]!)! : DEFAULTS.deadlineMs;
    const hardMs = deadlineMs + 2 * DEFAULTS.timeoutMs * (1 + DEFAULTS.retries) + DEFAULTS.hardDeadlineGraceMs;
    expect(job.spec.jobTemplate.spec.activeDeadlineSeconds * 1000).toBeGreaterThan(hardMs);
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    expect(env.AUTH_TOKEN).toBeUndefined();
    const tokenMount = c.volumeMounts.find((m) => env.AUTH_TOKEN_FILE?.startsWith(m.mountPath + '/'));
    expect(pod.volumes.find((v) => v.name === tokenMount?.name)?.secret).toBeDefined();
    const stateMount = c.volumeMounts.find((m) => m.mountPath === env.EVALAI_AUTOSCALER_STATE_DIR);
    expect(pod.volumes.find((v) => v.name === stateMount?.name)?.persistentVolumeClaim).toBeDefined();
    expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
  });
});
