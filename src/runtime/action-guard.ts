/**
 * The cost guard every mutating action passes through: at most one action per target (challenge,
 * submission) per run, and at most `maxActions` in all, so a bad metrics answer cannot start a
 * hundred instances or cancel a thousand submissions. Within the budget, waiting submissions are
 * served first: savings (stops) are deferred to the end of the run (`defer`), after every start.
 */
export type Claim = { ok: true } | { ok: false; reason: string; halted?: boolean };

export class ActionGuard {
  private readonly claimed = new Map<string, string>();
  private refusedCount = 0;
  private waiting = 0;
  private haltReason: string | undefined;

  constructor(readonly maxActions: number) {}

  /** From now on no action is carried out (a signal came): each claim is refused with `reason`. */
  halt(reason: string): void {
    this.haltReason ??= reason;
  }

  /** Why actions are no longer carried out, once halted. */
  get haltedBecause(): string | undefined {
    return this.haltReason;
  }

  claim(target: string, action: string): Claim {
    if (this.haltReason !== undefined) return { ok: false, reason: this.haltReason, halted: true };
    const previous = this.claimed.get(target);
    if (previous !== undefined) {
      return { ok: false, reason: `${target} was already acted on in this run (${previous})` };
    }
    if (this.claimed.size >= this.maxActions) {
      this.refusedCount++;
      return { ok: false, reason: `refused: --max-actions ${this.maxActions} reached in this run` };
    }
    this.claimed.set(target, action);
    return { ok: true };
  }

  /**
   * A saving (a stop) waits for the run's starts: it takes a place in line now and is claimed at the
   * end of the run (`claim`). Past `maxActions` places it could never be carried out, since those
   * ahead of it take the whole budget first: it is refused now, so what waits stays bounded by
   * `maxActions` whatever the number of challenges.
   */
  defer(target: string): Claim {
    if (this.haltReason !== undefined) return { ok: false, reason: this.haltReason, halted: true };
    if (this.waiting >= this.maxActions) {
      this.refusedCount++;
      return { ok: false, reason: `refused: --max-actions ${this.maxActions} reached in this run (${this.waiting} stops were already waiting for the starts; ${target} not kept)` };
    }
    this.waiting++;
    return { ok: true };
  }

  get used(): number {
    return this.claimed.size;
  }

  /** How many actions were refused because the cap was reached. */
  get refused(): number {
    return this.refusedCount;
  }
}
