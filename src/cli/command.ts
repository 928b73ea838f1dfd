import type { CliIO } from './output.js';

/** A CLI command: parses its own arguments, does its work, returns the exit code. */
export interface Command {
  name: string;
  /** One line for `vigil help`. */
  summary: string;
  /** Usage text shown by `vigil help NAME` and on argument errors. */
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Thrown for bad command-line arguments; printed as one line plus the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
