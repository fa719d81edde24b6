/**
 * The search columns the PostgreSQL backend fills on insert (storage/postgres/object-rows.ts):
 * the words of an object and the parent domains of its observable keys. Migration 8 fills rows
 * stored before with the same values (test/contract/postgres.test.ts).
 */
import { domainSuffixes, searchWords } from '../../server/storage/postgres/object-rows';

describe('searchWords', () => {
  it('joins name, description, aliases and labels, in that order', () => {
    const raw = JSON.stringify({ type: 'intrusion-set', name: 'Grid Bear', description: 'Targets substations', aliases: ['GB', 'Energetic'], labels: ['ics'], pattern: "[ipv4-addr:value = '1.2.3.4']" });
    expect(searchWords(raw)).toBe('Grid Bear Targets substations GB Energetic ics');
  });

  it('is null for an object without any of them, and skips what is not text', () => {
    expect(searchWords(JSON.stringify({ type: 'ipv4-addr', value: '198.51.100.7' }))).toBeNull();
    expect(searchWords(JSON.stringify({ type: 'x', name: 7, aliases: ['ok', 3, null] }))).toBe('ok');
    expect(searchWords('not json')).toBeNull();
  });

  it('turns NUL, which a PostgreSQL text refuses, into a space', () => {
    expect(searchWords('{"type":"note","name":"a\\u0000b"}')).toBe('a b');
  });
});

describe('domainSuffixes', () => {
  it('lists every parent domain of domains, URL hosts and e-mail domains once', () => {
    const s = domainSuffixes(['domain:c2.grid.example.org', 'url:https://user@login.example.org:8443/x?y', 'email:ops@mail.example.net', 'ipv4:198.51.100.7']);
    expect([...(s ?? [])].sort()).toEqual(['c2.grid.example.org', 'example.net', 'example.org', 'grid.example.org', 'login.example.org', 'mail.example.net', 'net', 'org']);
  });

  it('leaves out IP hosts and malformed names, and is null when nothing is left', () => {
    expect(domainSuffixes(['url:http://198.51.100.7/payload', 'domain:bad..example', 'email:nobody@'])).toBeNull();
    expect(domainSuffixes(undefined)).toBeNull();
  });
});
