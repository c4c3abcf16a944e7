/**
 * The edge where a run's changes leave for AWS: a middleware on each SDK client (added where the
 * clients are built, aws/clients.ts) that
 *
 * - refuses every mutating command (anything but Describe*, Get*, List*) once the run's signal has
 *   fired, before it is sent and before each SDK retry of it, with a NotSentError; and
 * - records each mutating command actually handed to the wire (action, ids, when), so the run's
 *   report lists exactly what was sent, and what was refused.
 *
 * One place, whatever path a call takes (a tick's tags, terminates and launches, a manual
 * scale-up, an SDK retry): nothing in the commands has to remember to ask.
 */
export interface SentCall {
  /** The EC2 action: "CreateTags", "TerminateInstances", "RunInstances". */
  action: string;
  /** The instances it named (CreateTags' Resources, TerminateInstances' InstanceIds), or launched (RunInstances' and CreateFleet's answers). */
  ids: string[];
  /** When it was handed to the wire (ISO). */
  at: string;
}

export interface RefusedCall extends SentCall {
  signal: NodeJS.Signals;
}

/** What left (and what was held back) during one run. */
export class MutationLedger {
  readonly sent: SentCall[] = [];
  readonly refused: RefusedCall[] = [];

  /**
   * `interruptedBy` is asked right before each mutating call and each of its attempts: once it
   * names a signal, no mutating call leaves. (The check and the send run in one turn of the event
   * loop, so no call can slip between them.)
   */
  constructor(readonly interruptedBy: () => NodeJS.Signals | undefined) {}
}

/** A mutating call refused because the run was interrupted: it never left. */
export class NotSentError extends Error {
  constructor(
    readonly action: string,
    readonly signal: NodeJS.Signals,
  ) {
    super(`${action} not sent: interrupted by ${signal}`);
    this.name = 'NotSentError';
  }
}

const READ_ONLY = /^(Describe|Get|List)/;

/** The part of an SDK client this needs (every v3 client has it). */
interface WithMiddleware {
  middlewareStack: object;
}

/** The stack's `add`, seen without the SDK's per-step overloads (the handlers below are typed here). */
type AddMiddleware = (middleware: unknown, options: Record<string, unknown>) => void;

type Next = (args: { input?: unknown; request?: unknown }) => Promise<{ output?: unknown }>;
interface Context {
  commandName?: string;
  /** The record of this command, once its first attempt went out. */
  __mutationSent?: SentCall;
}

/** Adds the guard to `client`. */
export function guardMutations(client: WithMiddleware, ledger: MutationLedger): void {
  const stack = client.middlewareStack as { add: AddMiddleware };
  const actionOf = (context: Context): string => (context.commandName ?? 'UnknownCommand').replace(/Command$/, '');
  const refuseIfInterrupted = (action: string, ids: string[]): void => {
    const signal = ledger.interruptedBy();
    if (signal === undefined) return;
    ledger.refused.push({ action, ids, at: new Date().toISOString(), signal });
    throw new NotSentError(action, signal);
  };

  // Per command: refused before anything is built; what it launched is added once it answers.
  stack.add(
    (next: Next, context: Context) => async (args: { input?: unknown }) => {
      const action = actionOf(context);
      if (READ_ONLY.test(action)) return next(args);
      refuseIfInterrupted(action, idsOf(args.input));
      const result = await next(args);
      const call = context.__mutationSent;
      if (action === 'RunInstances' && call) {
        const instances = (result.output as { Instances?: Array<{ InstanceId?: string }> } | undefined)?.Instances;
        if (Array.isArray(instances)) call.ids.push(...instances.map((i) => i?.InstanceId).filter((id): id is string => typeof id === 'string'));
      }
      if (action === 'CreateFleet' && call) {
        // An instant fleet answers its instances in groups, one per override that launched.
        const groups = (result.output as { Instances?: Array<{ InstanceIds?: unknown }> } | undefined)?.Instances;
        if (Array.isArray(groups)) for (const g of groups) if (Array.isArray(g?.InstanceIds)) call.ids.push(...g.InstanceIds.filter((id): id is string => typeof id === 'string'));
      }
      return result;
    },
    { step: 'initialize', name: 'evalaiAutoscalerMutationGuard', priority: 'high' },
  );

  // Per attempt, innermost (after the SDK's retry loop): an SDK retry after the signal is refused
  // too, and the first attempt that really goes out is the one recorded.
  stack.add(
    (next: Next, context: Context) => async (args: { request?: unknown; input?: unknown }) => {
      const action = actionOf(context);
      if (READ_ONLY.test(action)) return next(args);
      const ids = idsOf(args.input);
      refuseIfInterrupted(action, ids);
      if (!context.__mutationSent) {
        context.__mutationSent = { action, ids, at: new Date().toISOString() };
        ledger.sent.push(context.__mutationSent);
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'evalaiAutoscalerMutationGuardAttempt', priority: 'low' },
  );
}

function idsOf(input: unknown): string[] {
  const i = (input ?? {}) as { Resources?: unknown; InstanceIds?: unknown };
  const list = Array.isArray(i.Resources) ? i.Resources : Array.isArray(i.InstanceIds) ? i.InstanceIds : [];
  return list.filter((x): x is string => typeof x === 'string');
}
