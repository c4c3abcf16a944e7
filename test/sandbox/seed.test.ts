import { describe, expect, it } from 'vitest';
import { defaultSeed, PENDING_STATUSES, SEEDED } from '../../src/sandbox/index.js';
import { runSandbox } from '../../src/sandbox/cli.js';

const NOW = new Date('2025-06-01T12:00:00.250Z');

function pendingOf(seed: ReturnType<typeof defaultSeed>, challengeId: number): number {
  const phases = new Set([...seed.phases.values()].filter((p) => p.challenge === challengeId).map((p) => p.id));
  return [...seed.submissions.values()].filter(
    (s) => phases.has(s.challenge_phase) && (PENDING_STATUSES as readonly string[]).includes(s.status),
  ).length;
}

describe('default seed', () => {
  it('is deterministic for a given now', () => {
    const a = defaultSeed(NOW);
    const b = defaultSeed(NOW);
    expect([...a.challenges.values()]).toEqual([...b.challenges.values()]);
    expect([...a.submissions.values()]).toEqual([...b.submissions.values()]);
  });

  it('matches what SEEDED says', () => {
    const seed = defaultSeed(NOW);
    expect(seed.challenges.size).toBe(SEEDED.totalChallenges);
    expect([...seed.challenges.values()].filter((c) => !c.is_disabled)).toHaveLength(SEEDED.listedChallenges);
    expect([...seed.challenges.values()].every((c) => c.start_date && c.end_date)).toBe(true);
    const expectations: [number, number | null, number][] = [
      [SEEDED.activePendingNoWorker, null, 3],
      [SEEDED.activePendingStoppedWorker, 0, 2],
      [SEEDED.activeIdleWorker, 1, 0],
      [SEEDED.activeBusyWorker, 1, 3],
      [SEEDED.endedIdleWorker, 1, 0],
      [SEEDED.endedDrainingWorker, 1, 2],
    ];
    for (const [id, workers, pending] of expectations) {
      expect(seed.challenges.get(id)!.workers).toBe(workers);
      expect(pendingOf(seed, id)).toBe(pending);
    }
    expect(seed.challenges.get(SEEDED.endedIdleWorker)!.end_date!.getTime()).toBeLessThan(NOW.getTime());
    expect(seed.ec2Instances.get(SEEDED.instances.stopped)!.state).toBe('stopped');
    expect(seed.challenges.get(SEEDED.ec2NoInstance)!.ec2_instance_id).toBeNull();
    expect(seed.challenges.get(SEEDED.eksNodegroupUnknown)!.cluster!.nodegroup_name).toBeNull();
    for (const id of Object.values(SEEDED.submissions)) expect(seed.submissions.has(id)).toBe(true);
    const longEnded = [...seed.challenges.values()].filter((c) => c.end_date! < NOW && c.workers === null);
    expect(longEnded.length).toBeGreaterThan(250);
  });
});

describe('runSandbox', () => {
  it('prints the URL, the tokens and an example command', async () => {
    let printed = '';
    const out = { write: (chunk: string) => ((printed += chunk), true) } as unknown as NodeJS.WritableStream;
    const sb = await runSandbox({ port: 0 }, out);
    try {
      expect(printed).toContain(sb.url);
      expect(printed).toContain('sandbox-staff-token');
      expect(printed).toContain(`export API_HOST_URL=${sb.url} AUTH_TOKEN=sandbox-staff-token ENV=prod`);
      expect(printed).toMatch(/^ {2}node \S*bin\/scale-workers\.js --dry-run$/m);
    } finally {
      await sb.close();
    }
  });
});
