import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Splits `args` at the first `--`: what follows is passed through untouched. */
export function splitDashDash(args: string[]): { before: string[]; after: string[] | null } {
  const i = args.indexOf('--');
  return i < 0 ? { before: args, after: null } : { before: args.slice(0, i), after: args.slice(i + 1) };
}

/** util.parseArgs with strict checking, turning its errors into one-line usage errors. */
export function parse<O extends Options>(args: string[], options: O, maxPositionals = 0) {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (r.positionals.length > maxPositionals) {
      throw new UsageError(`unexpected argument '${r.positionals[maxPositionals]}'`);
    }
    return r;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const msg = (err as Error).message.split('\n')[0]!.replace(/^Unknown option/, 'unknown option');
    throw new UsageError(msg);
  }
}

/** Parses a whole number option, naming the option when it is not one. */
export function intOption(name: string, value: string | undefined, min = 0, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not '${value}'`);
  }
  return Number(value);
}

export const jsonOption = { json: { type: 'boolean' } } as const;
