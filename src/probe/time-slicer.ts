import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

/**
 * Lets a loop of short synchronous system calls run for at most `budgetMs` at a time, then yields
 * to the event loop, so a long scan never delays timers or I/O by more than about one budget.
 */
export class TimeSlicer {
  private sliceStart = performance.now();
  yields = 0;
  constructor(private readonly budgetMs = 2) {}

  /** Yields to the event loop if the current slice has used its budget. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < this.budgetMs) return;
    this.yields++;
    await yieldToLoop();
    this.sliceStart = performance.now();
  }
}
