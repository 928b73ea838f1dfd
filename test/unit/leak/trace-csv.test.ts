// The trace CSV that `vigil export` writes and `vigil analyze` reads: round trip, and malformed input
// reported as one line naming the file and the line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VigilError } from '../../../src/errors.js';
import { formatTraceCsv, parseTraceCsv, type TraceRow } from '../../../src/leak/trace-csv.js';

const HEADER = 't,fds,fd_limit,rss_bytes,mem_limit_bytes';

test('format then parse gives the rows back', () => {
  const rows: TraceRow[] = [
    { t: 1767225600, fds: 218, fd_limit: 1024, rss_bytes: 123885718, mem_limit_bytes: 1073741824 },
    { t: 1767225615, fds: 219, fd_limit: 1024, rss_bytes: 127699468, mem_limit_bytes: 1073741824 },
  ];
  const text = formatTraceCsv(rows);
  assert.ok(text.startsWith(HEADER + '\n'));
  assert.ok(text.endsWith('\n'));
  assert.deepEqual(parseTraceCsv(text, 'x.csv'), rows);
});

test('CRLF line ends, a BOM and blank lines are accepted', () => {
  const text = `\uFEFF${HEADER}\r\n1,2,3,4,5\r\n\r\n6,7,8,9,10\r\n`;
  assert.deepEqual(
    parseTraceCsv(text, 'x.csv').map((r) => r.t),
    [1, 6],
  );
});

function rejects(text: string, line: number, words: RegExp): void {
  assert.throws(
    () => parseTraceCsv(text, 'trace.csv'),
    (err: unknown) => {
      assert.ok(err instanceof VigilError);
      assert.equal(err.code, 'TRACE_CSV_INVALID');
      assert.ok(err.message.startsWith(`trace.csv:${line}: `), err.message);
      assert.match(err.message, words);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('wrong header is rejected on line 1', () => {
  rejects('time,fds\n1,2\n', 1, /expected the header/);
  rejects('', 1, /expected the header/);
});

test('a line with a missing column names its line number', () => {
  rejects(`${HEADER}\n1,2,3,4,5\n2,3,4,5\n`, 3, /expected 5 comma-separated values, found 4/);
});

test('a value that is not a number names the column', () => {
  rejects(`${HEADER}\n1,2,3,4,5\n2,abc,4,5,6\n`, 3, /fds is not a number: 'abc'/);
  rejects(`${HEADER}\n1,,3,4,5\n`, 2, /fds is not a number/);
});

test('time going backwards is rejected', () => {
  rejects(`${HEADER}\n10,2,3,4,5\n9,2,3,4,5\n`, 3, /time goes backwards/);
});

test('negative counts are rejected', () => {
  rejects(`${HEADER}\n10,-2,3,4,5\n`, 2, /negative/);
});
