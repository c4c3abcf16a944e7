/** The EvalAI sandbox server: public API. */
export { startSandbox } from './server.js';
export type { Sandbox, SandboxOptions, RecordedRequest } from './server.js';
export type { SandboxTokens } from './tokens.js';
export type { Fault, FaultRule } from './faults.js';
export { defaultSeed, SEEDED } from './seed.js';
export { makeChallenge, makeSubmission, makeInstance, makeCluster, makePhases, instanceIdFor } from './builders.js';
export { renderDrfDate, renderPythonIsoformat, parseDjangoDatetime } from './datetime.js';
export {
  SUBMISSION_STATUSES,
  PENDING_STATUSES,
  stateFromSeed,
} from './state.js';
export type {
  SandboxState,
  SandboxSeed,
  SandboxUser,
  SandboxHostTeam,
  SandboxChallenge,
  SandboxCluster,
  SandboxPhase,
  SandboxSubmission,
  SandboxEc2Instance,
  Ec2StateName,
  SubmissionStatus,
  TokenState,
  AwsErrorMember,
} from './state.js';
export { runSandbox } from './cli.js';
