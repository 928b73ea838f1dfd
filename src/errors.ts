/**
 * Errors a user can hit. Each has a stable `code` that callers and tests match on,
 * and a message that says what happened, what it was about and what to do.
 */
export class VigilError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'VigilError';
    this.code = code;
    this.details = details;
  }
}

/** Message of any thrown value, for one-line reports. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
