/**
 * When the run stops starting work, and when it gives up on what is in flight.
 *
 * - `expired()`: past the --deadline, or after SIGTERM/SIGINT (`interrupt`): no new work starts;
 *   what is in flight finishes.
 * - `abandoned`: settles when in-flight work is no longer waited for (the grace after a signal, or
 *   the watchdog after the deadline). The runner then records what was in flight as unknown and
 *   returns, so the report, the status file and the lock are still handled.
 */
export class Deadline {
  private interruptSignal: NodeJS.Signals | undefined;
  private abandonReason: string | undefined;
  private resolveAbandoned: (reason: string) => void = () => undefined;
  /** Settles with the reason once in-flight work is given up on. Never rejects. */
  readonly abandoned: Promise<string>;
  private resolveStopped: (reason: string) => void = () => undefined;
  /** Settles with "<signal> received" when a signal asks the run to stop: waits (Retry-After, pacing) end then. Never rejects. */
  readonly stopped: Promise<string>;

  constructor(
    readonly atMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.abandoned = new Promise<string>((resolve) => {
      this.resolveAbandoned = resolve;
    });
    this.stopped = new Promise<string>((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  static after(ms: number, now: () => number = Date.now): Deadline {
    return new Deadline(now() + ms, now);
  }

  static never(): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY);
  }

  expired(): boolean {
    return this.interruptSignal !== undefined || this.now() >= this.atMs;
  }

  remainingMs(): number {
    return this.interruptSignal !== undefined ? 0 : Math.max(0, this.atMs - this.now());
  }

  /** A signal asked the run to stop: nothing new starts from now on. */
  interrupt(signal: NodeJS.Signals): void {
    if (this.interruptSignal !== undefined) return;
    this.interruptSignal = signal;
    this.resolveStopped(`${signal} received`);
  }

  get interruptedBy(): NodeJS.Signals | undefined {
    return this.interruptSignal;
  }

  /** In-flight work is no longer waited for. */
  abandon(reason: string): void {
    if (this.abandonReason !== undefined) return;
    this.abandonReason = reason;
    this.resolveAbandoned(reason);
  }

  get abandonedBecause(): string | undefined {
    return this.abandonReason;
  }
}
