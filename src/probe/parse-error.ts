import { VigilError } from '../errors.js';

/** Thrown by the pure parsers when /proc text does not have the expected shape. */
export class ProcParseError extends VigilError {
  constructor(what: string, detail: string) {
    super('PROBE_PARSE', `cannot parse ${what}: ${detail}`, { what });
    this.name = 'ProcParseError';
  }
}
