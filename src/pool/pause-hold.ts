import type { PoolDecision } from './decide.js';
import { holdLine, type PauseHold } from './pause.js';
import { isCounting, type Move } from './states.js';

export interface HeldDecision {
  /** The decision with nothing left to carry out but the moves that record what was observed. */
  decision: PoolDecision;
  /** The moves held (drains, terminates, recaptures): reported `held`, never carried out. */
  held: ReadonlySet<Move>;
  /** What would have been launched. */
  heldLaunches: number;
  /** "held: pool paused since … by …". */
  line: string;
}

/**
 * A paused pool's decision (pure): decided as usual, so the report still shows what would happen,
 * then every action is held. Held: launches (so minHosts is not enforced either), moves to
 * draining and terminating, recaptures (draining -> ready), and terminate retries. Kept: the moves
 * that only record what was observed (EC2 shows it running: ready; a probe failed: unhealthy;
 * AWS terminated it: terminated; an orphan adopted), and the history (the scale-down clock and
 * the gone hosts follow the demand and the cloud, not the pause).
 */
export function holdForPause(d: PoolDecision, hold: PauseHold): HeldDecision {
  const line = holdLine(hold);
  const held = new Set(d.moves.filter(acts));
  const heldIds = new Set([...held].map((m) => m.hostId));
  const heldRetries = d.retryTerminate.length;
  const wouldLaunch = d.launches.count;
  const would = [
    ...(wouldLaunch > 0 ? [`launch ${wouldLaunch}`] : []),
    ...(held.size > 0 ? [`${held.size} move(s)`] : []),
    ...(heldRetries > 0 ? [`terminate ${heldRetries} again`] : []),
  ];
  const grounds = Object.fromEntries(Object.entries(d.grounds).filter(([id]) => !heldIds.has(id)));
  return {
    decision: {
      ...d,
      launches: { count: 0, reason: wouldLaunch > 0 ? `${line}: not launched: ${d.launches.reason}` : d.launches.reason },
      recheck: [],
      retryTerminate: [],
      grounds,
      countingAfter: d.countingBefore + d.moves.reduce((n, m) => n + (held.has(m) || m.to === 'terminated' ? 0 : Number(isCounting(m.to)) - Number(isCounting(m.from))), 0),
      why: `${line}${would.length ? ` (would ${would.join(', ')})` : ''}; ${d.why}`,
    },
    held,
    heldLaunches: wouldLaunch,
    line,
  };
}

/** A move that changes the pool rather than recording what the cloud or the probe showed. */
function acts(m: Move): boolean {
  return m.to === 'draining' || m.to === 'terminating' || (m.from === 'draining' && m.to === 'ready');
}
