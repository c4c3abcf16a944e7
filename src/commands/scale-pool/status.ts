import type { Shell, ShellResult } from '../../runtime/run-shell.js';
import { describeError } from '../../runtime/errors.js';
import { ExitCode } from '../../runtime/exit-codes.js';
import { withAbandonment } from '../../runtime/watchdog.js';
import { stateCounts, statusRows } from '../../pool/status.js';
import { tick } from '../../pool/tick.js';
import { poolDeps } from './deps.js';
import { formatStatusHuman, type PoolStatus } from './format.js';
import type { PoolSetup } from './settings.js';
import { buildPoolParts } from './sources.js';
import { poolStatePath, readPoolState } from './state.js';

/**
 * `scale-pool status`: for each chosen pool, the demand, the desired hosts and why, every host with
 * its state, type, lifecycle and age in state, and what the next tick would do. A dry-run tick:
 * it reads the cloud, the demand, the probes and the state file, and changes nothing.
 * Exit 0 when every pool was read, 1 when a pool's demand or hosts could not be, 3 when none could be listed.
 */
export async function poolStatus(setup: PoolSetup, shell: Shell, sleep?: (ms: number) => Promise<void>): Promise<ShellResult> {
  const deps = poolDeps(setup, shell, sleep);
  const now = Date.now();
  const out: PoolStatus[] = [];
  let unavailable = 0;
  try {
    const work = (async () => {
      for (const pool of setup.pools) {
        const read = readPoolState(poolStatePath(setup.stateDir, setup.spec.targetKey, pool.name));
        if (read.warning) shell.logger.warn({ pool: pool.name }, read.warning);
        try {
          const parts = await buildPoolParts(pool, deps);
          for (const w of parts.warnings) shell.logger.warn({ pool: pool.name }, w);
          const r = await tick({ pool: pool.name, policy: pool.policy, backend: parts.backend, demand: parts.demand, ...(parts.probe ? { probe: parts.probe } : {}), state: read.state, now, dryRun: true });
          const unlisted = r.errors.some((e) => e.startsWith('observe:'));
          if (unlisted) unavailable += 1;
          const next = [
            ...r.moves.map((m) => `${m.hostId} ${m.from} -> ${m.to}: ${m.reason}`),
            ...(r.launches.wanted > 0 ? [`launch ${r.launches.wanted}: ${r.launches.reason}`] : []),
          ];
          out.push({ pool: pool.name, demand: r.demand, desiredHosts: r.desiredHosts, why: r.why, next: next.length || unlisted ? next : ['nothing to change'], counts: Object.fromEntries(Object.entries(stateCounts(r.hosts)).filter(([, n]) => n > 0)), hosts: statusRows(r.hosts, now), errors: r.errors });
        } catch (err) {
          out.push({ pool: pool.name, demand: null, desiredHosts: null, why: 'not read', next: [], counts: {}, hosts: [], errors: [describeError(err)] });
        }
      }
    })();
    await withAbandonment(work, shell.deadline);
  } finally {
    deps.aws.destroy();
  }
  for (const p of out) for (const e of p.errors) shell.logger.error({ pool: p.pool }, e);
  const exitCode = out.length > 0 && unavailable === out.length ? ExitCode.Unavailable : out.some((p) => p.errors.length > 0) ? ExitCode.Partial : ExitCode.Ok;
  return {
    exitCode,
    counts: { pools: out.length },
    stdout: setup.common.json ? `${JSON.stringify({ command: 'scale-pool status', file: setup.file.path, exitCode, pools: out }, null, 2)}\n` : formatStatusHuman(out),
  };
}
