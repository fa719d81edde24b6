/**
 * Wall-clock time per phase of a correlation run (snapshot read, parse, graph, each rule, writes),
 * for the bench and the run log. Phases may nest; each is timed on its own.
 */
export class PhaseTimes {
  private readonly ms = new Map<string, number>();

  add(phase: string, ms: number): void {
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + ms);
  }

  /** Starts timing `phase`; call the result to stop. */
  start(phase: string): () => void {
    const t0 = performance.now();
    return () => this.add(phase, performance.now() - t0);
  }

  async time<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const stop = this.start(phase);
    try {
      return await fn();
    } finally {
      stop();
    }
  }

  timeSync<T>(phase: string, fn: () => T): T {
    const stop = this.start(phase);
    try {
      return fn();
    } finally {
      stop();
    }
  }

  /** Phases in the order they were first recorded, in milliseconds. */
  entries(): [string, number][] {
    return [...this.ms.entries()];
  }
}
