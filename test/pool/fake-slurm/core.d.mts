export interface FakeJob {
  id: string;
  name: string;
  comment: string;
  user: string;
  state: string;
  submit: number;
  start: number;
  end: number;
  timeLimit: number;
  nodes: string;
  script?: string;
  args?: string[];
}
export interface FakeCall {
  command: string;
  args: string[];
  stdin?: string;
}
export interface FakeTable {
  now: number;
  seq: number;
  user: string;
  json: boolean;
  fail: Record<string, string>;
  jobs: FakeJob[];
  calls: FakeCall[];
}
export function emptyTable(now: number, user: string): FakeTable;
export function timeLimitSeconds(text: string): number;
export function handle(table: FakeTable, command: string, args: readonly string[], stdin?: string, env?: Record<string, string>): { code: number; stdout: string; stderr: string };
