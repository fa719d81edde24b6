/** Each naming rule has one definition; config, the admin CLI and tokens agree on it. */
import { createGroup } from '../../server/admin';
import { loadConfig } from '../../server/config';
import { GROUP_NAME as TOKEN_GROUP_NAME } from '../../server/auth/principal';
import { groupNameProblem, isLoopbackHost, isLoopbackPeer } from '../../server/names';
import type { Storage } from '../../server/storage/contract';

const longest = `g${'a'.repeat(39)}`;
const tooLong = `${longest}b`;

describe('trust group names', () => {
  it('accepts 40 characters and refuses 41 in the settings, the admin CLI and tokens alike', async () => {
    expect(groupNameProblem(longest)).toBeUndefined();
    expect(() => loadConfig({ PUENTE_TRUST_GROUPS: longest })).not.toThrow();
    expect(TOKEN_GROUP_NAME.test(longest)).toBe(true);

    expect(() => loadConfig({ PUENTE_TRUST_GROUPS: tooLong })).toThrow(/PUENTE_TRUST_GROUPS.*up to 40/);
    // The name is refused before the storage is touched, so none is needed here.
    await expect(createGroup(undefined as unknown as Storage, tooLong)).rejects.toThrow(/up to 40/);
    expect(TOKEN_GROUP_NAME.test(tooLong)).toBe(false);
  });

  it('refuses the hub\'s own paths everywhere', async () => {
    expect(() => loadConfig({ PUENTE_TRUST_GROUPS: 'metrics' })).toThrow(/reserved/);
    await expect(createGroup(undefined as unknown as Storage, 'taxii2')).rejects.toThrow(/reserved/);
  });
});

describe('loopback', () => {
  it('knows the host names and peer addresses of this machine', () => {
    expect(['localhost', '::1', '127.0.0.1', '127.1.2.3'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', '128.0.0.1'].some(isLoopbackHost)).toBe(false);
    expect(['::1', '127.0.0.1', '::ffff:127.0.0.1'].every((a) => isLoopbackPeer(a))).toBe(true);
    expect(['::ffff:10.0.0.1', '10.127.0.1', undefined].some((a) => isLoopbackPeer(a))).toBe(false);
  });
});
