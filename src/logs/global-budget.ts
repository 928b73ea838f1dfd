import { enforceBudget, listLogFiles, type LogFileEntry } from './retention.js';

/**
 * A disk budget shared by every service's logs: when the total exceeds it, the oldest rotated file
 * across all services is deleted first. Active files count but are never deleted.
 */
export class GlobalBudget {
  private readonly dirs = new Set<string>();
  /** Files deleted so far to keep within the budget. */
  deletedFiles = 0;

  constructor(public limit: number) {}

  /** Includes a service's log folder in the budget. */
  register(dir: string): void {
    this.dirs.add(dir);
  }

  /** Removes a service's log folder from the budget. */
  unregister(dir: string): void {
    this.dirs.delete(dir);
  }

  private soon: NodeJS.Immediate | null = null;

  /**
   * enforce() once the current turn of the event loop is over: adding 100 services at once lists every
   * folder once, not 100 times (each listing covers all folders).
   */
  enforceSoon(): void {
    if (this.soon) return;
    this.soon = setImmediate(() => {
      this.soon = null;
      this.enforce();
    });
    this.soon.unref();
  }

  /** Deletes oldest rotated files across all folders until the total fits; returns what was deleted. */
  enforce(): LogFileEntry[] {
    const files: LogFileEntry[] = [];
    for (const d of this.dirs) files.push(...listLogFiles(d));
    const deleted = enforceBudget(files, this.limit);
    this.deletedFiles += deleted.length;
    return deleted;
  }
}
