/** The fake S3 bucket that submission files live in (contract §2.12: PUT writes new files). */
import { createHash } from 'node:crypto';
import type { SandboxState } from './state.js';

export const MEDIA_ORIGIN = 'https://evalai-sandbox.s3.amazonaws.com';

/** A URL not yet in `state.files`, like Django's `submission_files/submission_{id}/{uuid}/{name}`. */
export function newSubmissionFileUrl(state: SandboxState, submissionId: number, name: string): string {
  for (let n = 0; ; n += 1) {
    const hex = createHash('sha1').update(`${submissionId}/${name}/${state.files.size}/${n}`).digest('hex');
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    const url = `${MEDIA_ORIGIN}/media/submission_files/submission_${submissionId}/${uuid}/${name}`;
    if (!state.files.has(url)) return url;
  }
}

export function writeSubmissionFile(state: SandboxState, submissionId: number, name: string, content: string): string {
  const url = newSubmissionFileUrl(state, submissionId, name);
  state.files.set(url, content);
  return url;
}
