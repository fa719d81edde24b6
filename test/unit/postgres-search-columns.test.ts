/**
 * The search columns the PostgreSQL backend fills on insert (storage/postgres/object-rows.ts):
 * the words of an object and the parent domains of its observable keys. Migration 8 fills rows
 * stored before with the same values (test/contract/postgres.test.ts).
 */
import { newObjectDoc, type ObjectDraft } from '../../server/storage/objects';
import { domainSuffixes, insertStatement, searchWords } from '../../server/storage/postgres/object-rows';

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

  it('is taken from the draft when ingestion computed it, and parsed from raw otherwise', () => {
    const raw = JSON.stringify({ type: 'malware', id: 'malware--0b1a7c8e-2d3f-4a5b-9c6d-7e8f9a0b1c2d', name: 'in the raw text' });
    const draft: ObjectDraft = {
      col: 'col-1',
      raw,
      versionPart: 'v1',
      meta: { id: 'malware--0b1a7c8e-2d3f-4a5b-9c6d-7e8f9a0b1c2d', type: 'malware', sv: '2.1', sub: 's', org: 'o', tlp: null, readers: [], restricted: false },
    };
    // The words travel back to back in the last binary parameter (the raws in the one before it).
    const words = (doc: ReturnType<typeof newObjectDoc>) => (insertStatement('t', [doc]).values.filter((v) => Buffer.isBuffer(v)).at(-1) as Buffer).toString('utf8');
    expect(words(newObjectDoc({ ...draft, words: 'handed over' }, '2026-01-01T00:00:00.000000Z'))).toBe('handed over');
    expect(words(newObjectDoc(draft, '2026-01-01T00:00:00.000000Z'))).toBe('in the raw text');
    // A copy (as the backends read back) carries no search text of its own: it is parsed again.
    expect(words({ ...newObjectDoc({ ...draft, words: 'handed over' }, '2026-01-01T00:00:00.000000Z') })).toBe('in the raw text');
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
