import { z } from '../runtime/zod.js';
import { paths } from './paths.js';
import type { Transport } from './transport.js';
import { validate } from './validate.js';

/** The fields of ChallengeEvaluationClusterSerializer (contract §2.10) the scalers use. */
export interface EvaluationCluster {
  id: number;
  challengeId: number;
  /** The EKS cluster name. */
  name: string;
}

const clusterSchema = z.object({
  id: z.number().int(),
  challenge: z.number().int(),
  name: z.string().min(1),
});

/**
 * GET evaluation_cluster/ (contract §2.10): host only (staff are refused with 400), user-throttled.
 * `token` is the challenge host's token. Called once per challenge per run (contract §6 row 29).
 */
export async function getEvaluationCluster(transport: Transport, pk: number, token?: string): Promise<EvaluationCluster> {
  const endpoint = `evaluation_cluster of challenge ${pk}`;
  const res = await transport.request({ method: 'GET', path: paths.evaluationCluster(pk), endpoint, throttled: true, ...(token ? { token } : {}) });
  const c = validate(clusterSchema, res.body, endpoint);
  return { id: c.id, challengeId: c.challenge, name: c.name };
}
