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
import { pauseStoreOf } from './pause-store.js';
import { readHold } from '../../pool/pause.js';
import { poolStatePath, readPoolState } from './state.js';
import { unshapedHostWarnings } from './unshaped.js';

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
  const warnings: string[] = [];
  try {
    const work = (async () => {
      warnings.push(...(await unshapedHostWarnings(setup.pools, deps)));
      for (const w of warnings) shell.logger.warn(w);
      for (const pool of setup.pools) {
        const about = {
          ...(pool.shape ? { shape: { ...pool.shape, instanceTypes: pool.backend.type === 'ec2' ? [...pool.backend.instanceTypes] : [] } } : {}),
          ...(pool.fromPulumi ? { fromPulumi: pool.fromPulumi } : {}),
        };
        const read = readPoolState(poolStatePath(setup.stateDir, setup.spec.targetKey, pool.name));
        if (read.warning) shell.logger.warn({ pool: pool.name }, read.warning);
        try {
          const parts = await buildPoolParts(pool, deps);
          for (const w of parts.warnings) shell.logger.warn({ pool: pool.name }, w);
          const pauses = pauseStoreOf(pool, deps);
          const hold = pauses ? await readHold(pauses) : null;
          const r = await tick({ pool: pool.name, policy: pool.policy, backend: parts.backend, demand: parts.demand, ...(parts.probe ? { probe: parts.probe } : {}), ...(pool.probe ? { probeConcurrency: pool.probe.concurrency } : {}), ...(parts.shape ? { shape: parts.shape } : {}), state: read.state, now, dryRun: true, ...(hold ? { hold } : {}) });
          const unlisted = r.errors.some((e) => e.startsWith('observe:'));
          if (unlisted) unavailable += 1;
          const next = [
            ...r.moves.map((m) => `${m.hostId} ${m.from} -> ${m.to}${m.status === 'held' ? ' [held]' : ''}: ${m.reason}`),
            ...(r.launches.wanted > 0 ? [`launch ${r.launches.wanted}: ${r.launches.reason}`] : []),
          ];
          // What each spot host costs: one price look-up; without an answer the costs are not shown (a warning, not an error).
          let prices: Record<string, number> = {};
          if (parts.backend.hostPrices && !unlisted) {
            try {
              prices = await parts.backend.hostPrices(r.hosts, now);
            } catch (err) {
              shell.logger.warn({ pool: pool.name }, `spot prices not read: ${describeError(err)}`);
            }
          }
          out.push({ pool: pool.name, ...about, ...(r.paused ? { paused: r.paused } : {}), demand: r.demand, desiredHosts: r.desiredHosts, why: r.why, next: next.length || unlisted ? next : ['nothing to change'], counts: Object.fromEntries(Object.entries(stateCounts(r.hosts)).filter(([, n]) => n > 0)), hosts: statusRows(r.hosts, now, prices), errors: r.errors });
        } catch (err) {
          out.push({ pool: pool.name, ...about, demand: null, desiredHosts: null, why: 'not read', next: [], counts: {}, hosts: [], errors: [describeError(err)] });
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
    stdout: setup.common.json ? `${JSON.stringify({ command: 'scale-pool status', file: setup.file.path, exitCode, ...(warnings.length ? { warnings } : {}), pools: out }, null, 2)}\n` : formatStatusHuman(out, warnings, now),
  };
}
