import { DateTime } from 'luxon';
import type { ScalingConfig } from '../src/aws/eks.js';
import type { NodegroupObservation } from '../src/commands/scale-eks/decide.js';
import type { Challenge } from '../src/core/challenge.js';
import type { Pending } from '../src/core/pending.js';

/** A fixed "now" for pure decision tests. */
export const NOW = DateTime.fromISO('2026-11-22T12:00:00Z', { zone: 'utc' });

/** A challenge as the decisions see it: active, approved, ECS-evaluated, no worker. */
export function aChallenge(overrides: Partial<Challenge> = {}): Challenge {
  return {
    id: 42,
    title: 'Test challenge',
    startDate: NOW.minus({ days: 30 }),
    endDate: NOW.plus({ days: 30 }),
    createdAt: NOW.minus({ days: 40 }),
    approvedByAdmin: true,
    published: true,
    isDockerBased: false,
    remoteEvaluation: false,
    usesEc2Worker: false,
    workers: null,
    ...overrides,
  };
}

export const ended = (daysAgo = 3) => ({ endDate: NOW.minus({ days: daysAgo }) });

/** A nodegroup's scaling configuration (min, desired, max). */
export const sc = (minSize: number, desiredSize: number, maxSize: number): ScalingConfig => ({ minSize, desiredSize, maxSize });

/** What scale-eks observes of a live challenge's nodegroup: ACTIVE, named ng-1. */
export const obs = (current: ScalingConfig, pending: Pending, more: Partial<NodegroupObservation> = {}): NodegroupObservation => ({
  pending,
  ended: false,
  disabled: false,
  nodegroup: 'ng-1',
  status: 'ACTIVE',
  current,
  ...more,
});

