import { VigilError } from '../errors.js';

/** One word of a command line, and whether any part of it was quoted or escaped. */
export interface CommandWord {
  value: string;
  quoted: boolean;
}

/** Thrown for a command line that cannot be split (an unbalanced quote, a trailing backslash). */
export class CommandSyntaxError extends VigilError {
  constructor(message: string) {
    super('COMMAND_SYNTAX', message);
    this.name = 'CommandSyntaxError';
  }
}

// Inside double quotes a backslash only escapes these, as in POSIX sh.
const DQUOTE_ESCAPES = new Set(['"', '\\', '$', '`', '\n']);

/** Splits a command line into words like POSIX sh does, without expanding anything. */
export function tokenizeCommand(s: string): CommandWord[] {
  const words: CommandWord[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  const end = () => {
    if (inWord) words.push({ value: cur, quoted });
    cur = '';
    inWord = false;
    quoted = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) throw new CommandSyntaxError(`unbalanced single quote at character ${i + 1}`);
      cur += s.slice(i + 1, close);
      inWord = quoted = true;
      i = close;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && DQUOTE_ESCAPES.has(s[j + 1] as string)) {
          if (s[j + 1] !== '\n') cur += s[j + 1];
          j++;
        } else cur += s[j];
      }
      if (j >= s.length) throw new CommandSyntaxError(`unbalanced double quote at character ${i + 1}`);
      inWord = quoted = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new CommandSyntaxError('trailing backslash escapes nothing');
      const next = s[++i] as string;
      if (next === '\n') continue; // line continuation
      cur += next;
      inWord = quoted = true;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      end();
    } else {
      cur += c;
      inWord = true;
    }
  }
  end();
  return words;
}

/**
 * Splits a command line into argv like POSIX sh (quotes and backslashes), but runs no shell:
 * no variables, globs, pipes or redirections. Throws CommandSyntaxError on an unbalanced quote.
 */
export function splitCommand(s: string): string[] {
  return tokenizeCommand(s).map((w) => w.value);
}

const SHELL_OPERATOR = /^(\|\|?|&&?|;;?|[<>]|>>|<<|\d?>&\d?|\d>>?|&>>?)$/;

/** The first unquoted word that a shell would treat as an operator (`|`, `>`, `&&`, `;` …), if any. */
export function findShellOperator(words: readonly CommandWord[]): string | undefined {
  return words.find((w) => !w.quoted && SHELL_OPERATOR.test(w.value))?.value;
}
