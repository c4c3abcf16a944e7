import type { DateTime } from 'luxon';

/** The fields of an EvalAI challenge (contract §2.3) that decisions rest on, validated and typed. */
export interface Challenge {
  id: number;
  title: string;
  startDate: DateTime | null;
  /** null: the challenge has no end. */
  endDate: DateTime | null;
  createdAt: DateTime | null;
  approvedByAdmin: boolean;
  published: boolean;
  isDockerBased: boolean;
  remoteEvaluation: boolean;
  usesEc2Worker: boolean;
  /** ECS lifecycle state in EvalAI's database: null never started or deleted, 0 stopped, N started. */
  workers: number | null;
}

/** A short label for human output: `12 "Title"`. */
export function challengeLabel(c: { id: number; title?: string }): string {
  return c.title ? `${c.id} "${c.title}"` : `${c.id}`;
}
