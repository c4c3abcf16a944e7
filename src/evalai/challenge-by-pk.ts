import type { Challenge } from '../core/challenge.js';
import { toChallenge } from './challenges.js';
import { paths } from './paths.js';
import { challengeSchema } from './schemas.js';
import type { Transport } from './transport.js';
import { validate } from './validate.js';

/**
 * GET challenge/{pk}/ (contract §2.2). A host of the challenge sees it whatever its approval; others
 * only approved and published ones. Not visible, unknown or disabled: 406, thrown as not-found.
 * `token` is the caller's token when it is not the run's (a challenge host's).
 */
export async function getChallengeByPk(transport: Transport, pk: number, token?: string): Promise<Challenge> {
  const endpoint = `challenge ${pk}`;
  const res = await transport.request({ method: 'GET', path: paths.challengeByPk(pk), endpoint, ...(token ? { token } : {}) });
  return toChallenge(validate(challengeSchema, res.body, endpoint));
}
