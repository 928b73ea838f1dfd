import { VigilError } from '../errors.js';

/** Thrown for a line of an env file that is not `KEY=VALUE`, a comment or blank. */
export class EnvFileError extends VigilError {
  readonly line: number;
  constructor(line: number, message: string) {
    super('ENV_FILE_INVALID', `line ${line}: ${message}`, { line });
    this.name = 'EnvFileError';
    this.line = line;
  }
}

const DQ_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/**
 * Parses an env file: `KEY=VALUE` lines, optional `export ` prefix, blank lines and `#` comments;
 * values may be 'single-quoted' (literal) or "double-quoted" (\n, \t, \", \\ escapes, may span lines);
 * an unquoted value ends at ` #`. No variable expansion.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m)
      throw new EnvFileError(
        lineNo,
        `expected KEY=VALUE, got '${line.length > 40 ? line.slice(0, 40) + '…' : line}'`,
      );
    const key = m[1] as string;
    let rest = m[2] as string;
    let value: string;
    if (rest.startsWith("'")) {
      const close = rest.indexOf("'", 1);
      if (close < 0) throw new EnvFileError(lineNo, `unbalanced single quote in the value of ${key}`);
      value = rest.slice(1, close);
      rest = rest.slice(close + 1);
    } else if (rest.startsWith('"')) {
      value = '';
      let j = 1;
      for (;;) {
        if (j >= rest.length) {
          // A double-quoted value may continue on the next line.
          if (i + 1 >= lines.length)
            throw new EnvFileError(lineNo, `unbalanced double quote in the value of ${key}`);
          value += '\n';
          rest = lines[++i] as string;
          j = 0;
          continue;
        }
        const c = rest[j] as string;
        if (c === '"') break;
        if (c === '\\' && j + 1 < rest.length) {
          const e = rest[j + 1] as string;
          value += DQ_ESCAPES[e] ?? '\\' + e;
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      rest = rest.slice(j + 1);
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
      rest = '';
    }
    if (rest.trim() !== '' && !rest.trim().startsWith('#'))
      throw new EnvFileError(lineNo, `unexpected text after the quoted value of ${key}`);
    env[key] = value;
  }
  return env;
}
