import { z } from '../runtime/zod.js';
import { evalaiDateTime } from './validate.js';

/** The challenge fields decisions rest on (contract §2.3). Other fields are ignored. */
export const challengeSchema = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  start_date: evalaiDateTime.nullable(),
  end_date: evalaiDateTime.nullable(),
  created_at: evalaiDateTime.nullable(),
  approved_by_admin: z.boolean(),
  published: z.boolean(),
  is_docker_based: z.boolean(),
  remote_evaluation: z.boolean(),
  uses_ec2_worker: z.boolean(),
  workers: z.number().int().min(0).nullable(),
});

/** The page envelope of the challenge list (contract §1.6). Results are validated one by one. */
export const pageSchema = z.object({
  count: z.number().int().min(0),
  next: z.string().nullable(),
  previous: z.string().nullable().optional(),
  results: z.array(z.unknown()),
});

/** manage_worker always answers 200; only {"action":"Success"} is success (contract §2.7). */
export const workerActionSchema = z.object({
  action: z.string().optional(),
  error: z.unknown().optional(),
});
