/**
 * The Dockerfile cannot be built here (no docker): lint it with dockerfile-utils, check it is
 * multi-stage as the docs say, and that everything it copies from the context exists and is sent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cron-lines.js';

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = text
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, l) => (/^FROM\s/i.test(l) ? [...acc, [l]] : (acc.at(-1)?.push(l), acc)), []);
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter(Boolean);

describe('Dockerfile', () => {
  it('has no lint diagnostics', () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('builds in one stage and runs from a slim Node LTS base with production dependencies only, as a non-root user, the umbrella bin as entry point', () => {
    expect(stages.length).toBe(2);
    expect(stages[0]!.join('\n')).toMatch(/^RUN npm ci\b/m);
    const final = stages[1]!.join('\n');
    expect(final).toMatch(/^FROM node:(20|22|24)[\w.-]*-slim$/m);
    expect(final).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(final).toMatch(/^COPY --from=\S+ \S*dist /m);
    expect(final).toMatch(/^USER (node|[1-9]\d*)$/m);
    expect(final).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/evalai-autoscaler\.js"\]$/m);
  });

  it('copies only files that exist in the repository and are not excluded by .dockerignore', () => {
    const sources = instructions.filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l)).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(existsSync(join(ROOT, s)), s).toBe(true);
      expect(ignored, s).not.toContain(s);
    }
  });
});
