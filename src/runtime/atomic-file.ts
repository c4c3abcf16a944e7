import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `path` atomically: to a temporary file in the same directory, then renamed over
 * the target, so a reader (the next run, `status`, node_exporter's textfile collector) never sees
 * half a file. The temporary file is a dot file with a random part, never ending like the target
 * (the collector reads only `*.prom`), created exclusively; on failure it is removed and the error
 * thrown. Every state, status and metrics file of the tool is written through here.
 */
export function writeFileAtomically(path: string, text: string, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
