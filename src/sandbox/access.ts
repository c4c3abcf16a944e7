/** Who may do what inside the views (contract §1.2 "Staff" and "host") and model lookups. */
import { notFoundDetail } from './reply.js';
import type { SandboxChallenge, SandboxState, SandboxSubmission, SandboxUser } from './state.js';

export function isStaff(user: SandboxUser | null): boolean {
  return user?.isStaff === true;
}

/** `is_user_a_host_of_challenge`: a member of the challenge's creator team (staff are not hosts). */
export function isHostOf(user: SandboxUser | null, challenge: SandboxChallenge | undefined): boolean {
  return !!user && !!challenge && user.hostTeamIds.includes(challenge.creatorTeamId);
}

export function isHostOfPk(user: SandboxUser | null, state: SandboxState, pk: number): boolean {
  return isHostOf(user, state.challenges.get(pk));
}

/** `get_challenge_model`: DRF NotFound `Challenge {pk} does not exist`. */
export function getChallengeOr404(state: SandboxState, pk: number | string): SandboxChallenge {
  const challenge = state.challenges.get(Number(pk));
  if (!challenge) throw notFoundDetail(`Challenge ${pk} does not exist`);
  return challenge;
}

export function challengeOfSubmission(state: SandboxState, submission: SandboxSubmission): SandboxChallenge | undefined {
  const phase = state.phases.get(submission.challenge_phase);
  return phase ? state.challenges.get(phase.challenge) : undefined;
}

export function submissionsOfChallenge(state: SandboxState, challengeId: number): SandboxSubmission[] {
  const phaseIds = new Set([...state.phases.values()].filter((p) => p.challenge === challengeId).map((p) => p.id));
  return [...state.submissions.values()].filter((s) => phaseIds.has(s.challenge_phase));
}
