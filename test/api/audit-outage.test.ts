/** Buffered token-use audit entries survive a database outage: a failed flush neither throws nor loses them. */
import pino from 'pino';
import { TrustGroups } from '../../server/storage/trust-groups';
import { AuditLog } from '../../server/taxii/audit';
import { openTestStorage } from '../support/hub';

it('keeps the buffered entries when the database is gone, and writes them once it is back', async () => {
  const prefix = `a${Date.now().toString(36)}`;
  const down = await openTestStorage('postgres', prefix);
  const groups = new TrustGroups(down, 0);
  await groups.ensure('colombia');
  const audit = new AuditLog(groups, pino({ level: 'silent' }), 3_600_000);
  const buffer = (audit as unknown as { buffer: Map<string, unknown[]> }).buffer;
  const use = { p: { subject: 's', organisation: 'identity--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a', roles: {} }, method: 'GET', path: '/:root/', status: 200 };
  buffer.set('colombia', [use]);
  await down.close();
  await expect(audit.flush()).resolves.toBeUndefined();
  expect(buffer.get('colombia')).toEqual([use]);

  // The same buffer, flushed through a storage that is reachable again.
  const up = await openTestStorage('postgres', prefix);
  try {
    const again = new AuditLog(new TrustGroups(up, 0), pino({ level: 'silent' }), 3_600_000);
    (again as unknown as { buffer: Map<string, unknown[]> }).buffer = buffer;
    await again.close();
    const { entries } = await up.group('colombia').audit.page(undefined, 10);
    expect(entries.map((e) => e.event)).toEqual(['token.used']);
  } finally {
    await audit.close().catch(() => undefined);
    await up.dropAll();
    await up.close();
  }
});
