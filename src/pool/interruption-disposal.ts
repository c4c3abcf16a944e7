import type { QueueMessage } from '../aws/sqs-messages.js';
import type { InterruptionKind } from './interruption-event.js';
import type { ReceivedInterruption } from './interruption-queue.js';

/** What a tick did with its interruption queue, for the report and the log. */
export interface InterruptionSummary {
  queue: string;
  received: number;
  /** About this pool's hosts, acted on (a drain, a record of a state change, or nothing left to do). */
  handled: Array<{ messageId: string; kind: InterruptionKind; hosts: string[] }>;
  /** About instances that are not this pool's: deleted without effect. */
  foreign: number;
  /** Readable events that ask nothing (a state change to running, another Health event): deleted. */
  ignored: number;
  /** Bodies that could not be read: never acted on, left in the queue for its redrive policy (a dead-letter queue). */
  unreadable: Array<{ messageId: string; reason: string }>;
  /** Left in the queue to be handled again: a dry run, or a move about them that failed or was refused. */
  kept: Array<{ messageId: string; reason: string }>;
  deleted: number;
  /** A receive or a delete that failed. */
  error?: string;
}

interface MoveOutcome {
  hostId: string;
  to: string;
  /** The tick's ActStatus (not imported: tick.ts imports this file). */
  status: 'done' | 'planned' | 'failed' | 'refused' | 'held';
  error?: string;
}

/**
 * Which messages the tick deletes, a pure function of what it received, the pool's hosts and how its
 * moves went: foreign and ignored messages; a notice about the pool's hosts once no move of those
 * hosts failed, was refused or was held by a pause (then it stays for the next tick, which handles it again, with no
 * effect twice). Unreadable bodies are never deleted: a queue with a redrive policy moves them to
 * its dead-letter queue after maxReceiveCount receives, where a human can read them. A dry run deletes nothing.
 */
export function disposeInterruptions(queue: string, received: readonly ReceivedInterruption[], poolHosts: ReadonlySet<string>, moves: readonly MoveOutcome[], dryRun: boolean): { remove: QueueMessage[]; summary: InterruptionSummary } {
  const summary: InterruptionSummary = { queue, received: received.length, handled: [], foreign: 0, ignored: 0, unreadable: [], kept: [], deleted: 0 };
  const remove: QueueMessage[] = [];
  for (const { message, parsed } of received) {
    const id = message.messageId;
    if ('unreadable' in parsed) {
      summary.unreadable.push({ messageId: id, reason: parsed.unreadable });
      continue;
    }
    if (dryRun) {
      summary.kept.push({ messageId: id, reason: 'dry run: left in the queue' });
      continue;
    }
    if ('ignored' in parsed) {
      summary.ignored += 1;
      remove.push(message);
      continue;
    }
    const hosts = parsed.notice.instanceIds.filter((h) => poolHosts.has(h));
    if (hosts.length === 0) {
      summary.foreign += 1;
      remove.push(message);
      continue;
    }
    const undone = moves.find((m) => hosts.includes(m.hostId) && (m.status === 'failed' || m.status === 'refused' || m.status === 'held'));
    if (undone) {
      summary.kept.push({ messageId: id, reason: `the move of ${undone.hostId} to ${undone.to} was ${undone.status}${undone.error ? ` (${undone.error})` : ''}: handled again next tick` });
      continue;
    }
    summary.handled.push({ messageId: id, kind: parsed.notice.kind, hosts });
    remove.push(message);
  }
  return { remove, summary };
}
