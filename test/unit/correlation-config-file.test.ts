import { ConfigError, loadConfig } from '../../server/config';
import { correlationConfigs, loadDisarm } from '../../server/jobs/config';

describe('per-group correlation file: influence settings', () => {
  const config = loadConfig({});
  const election = { name: 'Presidenciales 2026', country: 'CO', start: '2026-05-31', end: '2026-06-21' };

  it('merges influence over the defaults, per group and for "*"', () => {
    const get = correlationConfigs(config, { '*': { influence: { minTactics: 3 } }, colombia: { influence: { elections: [election] } } });
    expect(get('colombia').influence).toEqual({ windowDays: 30, minTactics: 3, escalationDays: 60, elections: [election] });
    expect(get('eu').influence.elections).toEqual([]);
  });

  it('fails at start-up on a malformed election', () => {
    expect(() => correlationConfigs(config, { colombia: { influence: { elections: [{ ...election, end: '2026-05-01' }] } } })).toThrow(ConfigError);
  });

  it('loads DISARM from the shipped path, or warns and matches nothing when it is absent', () => {
    expect(loadDisarm(config.disarmPath, () => {}).byStixId.size).toBe(391);
    const warnings: string[] = [];
    expect(loadDisarm('reference/disarm/missing.json', (m) => warnings.push(m)).byStixId.size).toBe(0);
    expect(warnings[0]).toMatch(/^correlation\.disarm_missing/);
  });
});
