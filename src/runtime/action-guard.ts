/**
 * The cost guard every mutating action passes through: at most one action per target (challenge,
 * submission) per run, and at most `maxActions` in all, so a bad metrics answer cannot start a
 * hundred instances or cancel a thousand submissions.
 */
export type Claim = { ok: true } | { ok: false; reason: string };

export class ActionGuard {
  private readonly claimed = new Map<string, string>();
  private refusedCount = 0;

  constructor(readonly maxActions: number) {}

  claim(target: string, action: string): Claim {
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

  get used(): number {
    return this.claimed.size;
  }

  /** How many actions were refused because the cap was reached. */
  get refused(): number {
    return this.refusedCount;
  }
}
