import { Writable } from 'node:stream';
import { createLogger } from '../../server/logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

describe('logger', () => {
  it('redacts the Authorization header and cookies', () => {
    const { lines, log } = capture();
    log.info({ req: { headers: { authorization: 'Bearer eyJsecret', cookie: 'sid=1' } } }, 'http.request');
    const entry = JSON.parse(lines[0]!);
    expect(entry.req.headers.authorization).toBe('[redacted]');
    expect(entry.req.headers.cookie).toBe('[redacted]');
    expect(lines[0]).not.toContain('eyJsecret');
  });

  it('writes JSON with a stable event name', () => {
    const { lines, log } = capture();
    log.info({ stored: 3 }, 'objects.added');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'objects.added', stored: 3, service: 'puente' });
  });
});
