/** Handy tokens of the seeded users, looked up in the live state each time they are read. */
import type { SandboxState, SandboxUser } from './state.js';

export interface SandboxTokens {
  staff: string;
  participant: string;
  expired: string;
  blacklisted: string;
  unverified: string;
  /** The server's LAMBDA_AUTH_TOKEN (null when unset). */
  lambda: string | null;
  /** A verified host of the team with a valid token. */
  host(teamId: number): string;
}

function tokenOf(state: SandboxState, role: string, pick: (u: SandboxUser) => boolean): string {
  const user = state.users.find(pick);
  if (!user) throw new Error(`The sandbox state has no ${role} user`);
  return user.token;
}

const usable = (u: SandboxUser): boolean => u.tokenState === 'valid' && u.emailVerified && u.isActive !== false;

export function sandboxTokens(state: SandboxState, lambdaToken: string | null): SandboxTokens {
  return {
    get staff() {
      return tokenOf(state, 'staff', (u) => u.isStaff && usable(u));
    },
    get participant() {
      return tokenOf(state, 'participant', (u) => !u.isStaff && u.hostTeamIds.length === 0 && usable(u));
    },
    get expired() {
      return tokenOf(state, 'expired-token', (u) => u.tokenState === 'expired');
    },
    get blacklisted() {
      return tokenOf(state, 'blacklisted-token', (u) => u.tokenState === 'blacklisted');
    },
    get unverified() {
      return tokenOf(state, 'unverified-email', (u) => !u.emailVerified && u.tokenState === 'valid');
    },
    lambda: lambdaToken,
    host(teamId: number) {
      return tokenOf(state, `host of team ${teamId}`, (u) => !u.isStaff && u.hostTeamIds.includes(teamId) && usable(u));
    },
  };
}
