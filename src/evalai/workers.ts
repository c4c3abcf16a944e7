import { describeErrorValue } from './error-body.js';
import { paths } from './paths.js';
import { workerActionSchema } from './schemas.js';
import type { Transport } from './transport.js';
import { validate } from './validate.js';

export type WorkerAction = 'start' | 'stop' | 'restart' | 'delete';

export type WorkerActionResult = { ok: true } | { ok: false; error: string };

/**
 * PUT manage_worker/{action}/ (contract §2.7). The server answers HTTP 200 for failures too: only
 * {"action":"Success"} is success, and `error` may be a string or a botocore {Code, Message}.
 * HTTP errors (400 not authorised, 406 refused after end_date, 404) throw.
 */
export async function manageWorker(transport: Transport, pk: number, action: WorkerAction): Promise<WorkerActionResult> {
  const endpoint = `manage_worker/${action} of challenge ${pk}`;
  // Hosts may start, stop and restart their own challenge's worker; only staff may delete (§2.7).
  const res = await transport.request({ method: 'PUT', path: paths.manageWorker(pk, action), endpoint, throttled: true, staffOnly: action === 'delete' });
  const body = validate(workerActionSchema, res.body ?? {}, endpoint);
  if (body.action === 'Success') return { ok: true };
  if (body.action === 'Failure') {
    return { ok: false, error: body.error === undefined ? 'Failure without an error message' : describeErrorValue(body.error) };
  }
  return { ok: false, error: `unexpected answer ${JSON.stringify(res.body ?? null).slice(0, 120)}` };
}
