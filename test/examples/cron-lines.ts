/** Reading crontab lines out of examples/crontab and the docs, for the tests that hold them to one another. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CronLine {
  file: string;
  schedule: string;
  command: string;
  /** What the line runs: the command name, or `status <commands>` for an alerting line. */
  job: string;
}

const CRON = /^((?:\S+\s+){4}\S+)\s+(.*)$/;
const FIELD = /^[\d*/,-]+$/;

export function parseCronLine(file: string, line: string): CronLine | null {
  const m = CRON.exec(line.trim());
  if (!m) return null;
  const fields = m[1]!.split(/\s+/);
  if (!fields.every((f) => FIELD.test(f))) return null;
  const command = m[2]!;
  const bin = /(?:^|\s)(\/\S*\/)?(scale-workers|scale-ec2|scale-eks|cancel-stale|stop-idle|evalai-autoscaler)(?:\.js)?(?:\s|$)/.exec(command);
  if (!bin) return null;
  let job = bin[2]!;
  if (job === 'evalai-autoscaler') {
    const sub = /evalai-autoscaler(?:\.js)?\s+(\S+)(.*?)(?:>|$)/.exec(command);
    job = sub?.[1] === 'status' ? `status ${/--command\s+([\w\s-]+?)\s+--/.exec(sub[2] ?? '')?.[1]?.trim() ?? ''}` : (sub?.[1] ?? job);
  }
  return { file, schedule: fields.join(' '), command, job };
}

/** Every crontab line in a text (a crontab, or the code blocks of a Markdown page). */
export function cronLines(file: string): CronLine[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return text.split('\n').flatMap((l) => parseCronLine(file, l) ?? []);
}

/** The Markdown pages an operator reads: README.md and docs/. */
export function docPages(): string[] {
  return ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

/** The ``` blocks of a page that hold at least one crontab line. */
export function cronBlocks(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const blocks = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.filter((b) => b.split('\n').some((l) => parseCronLine(file, l)));
}
