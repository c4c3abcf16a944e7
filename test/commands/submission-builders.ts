import { submissionSchema, toSubmission } from '../../src/evalai/submissions.js';
import type { Submission } from '../../src/core/submission.js';

/** A submission as EvalAI serializes it (contract §3.2), with overrides. */
export function submissionJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 45678,
    participant_team: 3,
    participant_team_name: 'Team',
    execution_time: 'None',
    challenge_phase: 7,
    created_by: 11,
    status: 'running',
    input_file: 'https://files.example/in.zip',
    submission_input_file: null,
    stdout_file: 'https://files.example/45678/stdout.txt',
    stderr_file: 'https://files.example/45678/stderr.txt',
    submission_result_file: 'https://files.example/45678/result.json',
    started_at: '2026-11-07T09:00:00.123456Z',
    completed_at: null,
    submitted_at: '2026-11-07T08:35:00.000001Z',
    rerun_resumed_at: null,
    method_name: '',
    ...overrides,
  };
}

/** Through the real schema, so every test also exercises the datetime parsing. */
export function aSubmission(overrides: Record<string, unknown> = {}): Submission {
  return toSubmission(submissionSchema.parse(submissionJson(overrides)));
}
