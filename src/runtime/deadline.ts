/**
 * The run's deadline (--deadline): past it no new work starts; what is in flight finishes.
 */
export class Deadline {
  constructor(
    readonly atMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  static after(ms: number, now: () => number = Date.now): Deadline {
    return new Deadline(now() + ms, now);
  }

  static never(): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY);
  }

  expired(): boolean {
    return this.now() >= this.atMs;
  }

  remainingMs(): number {
    return Math.max(0, this.atMs - this.now());
  }
}
