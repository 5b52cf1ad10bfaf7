/** Daemon logs: JSON lines by default, the small human format with --pretty. */
import { describe, expect, it } from 'vitest';
import { createLogger, isLogLevel, prettyLine } from '../../../targets/native/logger.js';

describe('logger', () => {
  it('writes one JSON object per line', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', out: { write: (s: string) => lines.push(s) } });
    log.info({ ike: 1, remote: { address: '10.0.0.2', port: 500 } }, 'IKE SA established');
    log.debug({}, 'not shown at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, ike: 1, msg: 'IKE SA established' });
  });

  it('prints time, level, message and fields for humans', () => {
    const time = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const line = JSON.stringify({
      level: 40,
      time,
      pid: 1,
      msg: 'IKE SA failed',
      ike: 2,
      remote: { address: '10.0.0.2', port: 500 },
      reason: 'no proposal chosen',
    });
    expect(prettyLine(line)).toBe(
      '03:04:05.678 WARN  IKE SA failed  ike=2 remote=10.0.0.2:500 reason="no proposal chosen"\n',
    );
    expect(prettyLine('not json')).toBe('not json\n');
    const out: string[] = [];
    createLogger({ pretty: true, out: { write: (s: string) => out.push(s) } }).info({ a: [1] }, 'hello');
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}hello {2}a=\[1\]\n$/);
  });

  it('knows pino level names', () => {
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].every(isLogLevel)).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
  });
});
