/** EC2 instance state names (no SDK import: EvalAI-only code paths use these without loading the SDK). */
export const EC2_STATES = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'] as const;
export type Ec2StateName = (typeof EC2_STATES)[number];

export function isEc2StateName(value: unknown): value is Ec2StateName {
  return typeof value === 'string' && (EC2_STATES as readonly string[]).includes(value);
}
