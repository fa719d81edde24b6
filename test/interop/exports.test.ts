/**
 * Each export format read by that format's own tools from PyPI (test/interop/exports/
 * requirements.txt): Suricata rules by suricataparser and idstools, Snort rules by idstools, the
 * Zeek intel file by parsezeeklogs (a reader of Zeek's TSV format), the MISP event by PyMISP
 * (MISPEvent.load) and converted to STIX 2.1 by MISP's own misp-stix. Exports come over HTTP
 * from a real hub on the real database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startTestHub, type TestHub } from '../support/hub';
import { client } from '../support/taxii';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN } from '../support/auth';
import { exportData } from '../support/exports-data';
import { ensurePythonRequirements, runPython } from '../support/python';

const kit = new TokenKit();
const data = exportData();
let t: TestHub;
let dir: string;
let read: {
  suricata: { sid: number; rev: number; msg: string; metadata: string[]; proto: string; source_addr: string; dest_addr: string; suricataparser: { sid: number; rev: number; options: string[] } }[];
  snort: { sid: number; rev: number; msg: string; metadata: string[]; proto: string; dest_addr: string }[];
  zeek: Record<string, string>[];
  misp: { info: string; tags: string[]; attributes: { type: string; category: string; value: string; to_ids: boolean; tags: string[] }[] };
  misp_stix: { types: string[]; patterns: string[]; errors: Record<string, string[]>; warnings: Record<string, string[]> };
};

const FILES: Record<string, string> = { suricata: 'suricata.rules', snort: 'snort.rules', zeek: 'intel.dat', misp: 'event.json' };

beforeAll(async () => {
  await ensurePythonRequirements('test/interop/exports/requirements.txt');
  t = await startTestHub(kit.env());
  const co = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] })}` });
  const col = await co.collectionId('colombia', 'indicators');
  const res = await co.add('colombia', 'indicators', [...data.exported, ...data.skipped, ...data.outOfTime, data.amber, data.red]);
  expect(res.body.failure_count).toBe(0);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-exports-'));
  const member = kit.token(ORG_CO_MIN, { colombia: ['reader'] });
  for (const [format, file] of Object.entries(FILES)) {
    const r = await request(t.app)
      .get(`/colombia/collections/${col}/exports/${format}/`)
      .set('Authorization', `Bearer ${member}`)
      .buffer(true)
      .parse((stream, cb) => {
        let s = '';
        stream.on('data', (c: Buffer) => (s += c.toString()));
        stream.on('end', () => cb(null, s));
      })
      .expect(200);
    fs.writeFileSync(path.join(dir, file), r.body as string);
  }
  const py = await runPython('test/interop/exports/read_exports.py', [dir]);
  if (py.code !== 0) throw new Error(`read_exports.py failed (${py.code}):\n${py.stderr}\n${py.stdout}`);
  read = JSON.parse(py.stdout);
}, 600_000);

afterAll(async () => {
  await t?.close();
  kit.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const ids = (xs: { metadata: string[] }[]) => new Set(xs.flatMap((r) => r.metadata.filter((m) => m.startsWith('stix_id ')).map((m) => m.slice(8))));

describe('suricata', () => {
  it('is read rule by rule by suricataparser and idstools, with unique sids in the Puente range', () => {
    expect(read.suricata.length).toBeGreaterThan(0);
    const sids = read.suricata.map((r) => r.sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const r of read.suricata) {
      expect(r.sid).toBeGreaterThanOrEqual(1_000_000_000);
      expect(r.sid).toBeLessThan(4_000_000_000);
      expect(r.suricataparser.sid).toBe(r.sid);
      expect(r.suricataparser.rev).toBe(r.rev);
    }
  });

  it('has one rule per value and protocol, naming the indicator, with its STIX id in metadata', () => {
    const dropper = data.exported.find((o) => o.name === 'Dropper "URL"; x')!;
    const http = read.suricata.filter((r) => r.metadata.includes(`stix_id ${dropper.id as string}`));
    expect(http).toHaveLength(1);
    expect(http[0]!.proto).toBe('http');
    expect(http[0]!.msg).toContain('Dropper');
    const domain = read.suricata.filter((r) => r.msg.includes('evil.example.org'));
    expect(domain.map((r) => r.proto).sort()).toEqual(['dns', 'tls']);
    const ip = read.suricata.filter((r) => r.dest_addr === '10.1.0.5' || r.source_addr === '10.1.0.5');
    expect(ip).toHaveLength(2);
    const moved = read.suricata.filter((r) => r.metadata.includes(`stix_id ${data.versioned}`));
    expect(moved.map((r) => r.dest_addr)).toContain('192.0.2.11');
    expect(moved.every((r) => r.rev === Math.floor(Date.parse('2026-02-01T00:00:00Z') / 1000))).toBe(true);
  });

  it('holds no AMBER, RED or skipped indicator', () => {
    const got = ids(read.suricata);
    for (const o of [data.amber, data.red, ...data.skipped, ...data.outOfTime]) expect(got.has(o.id as string)).toBe(false);
  });
});

describe('snort', () => {
  it('is read by idstools, with the same sids as Suricata for the same (value, protocol)', () => {
    expect(read.snort.length).toBeGreaterThan(0);
    const sur = new Map(read.suricata.map((r) => [r.sid, r]));
    const ipRules = read.snort.filter((r) => r.proto === 'ip');
    for (const r of ipRules) expect(sur.get(r.sid)?.dest_addr).toBe(r.dest_addr);
    expect(read.snort.some((r) => r.proto === 'udp' && r.msg.includes('evil.example.org'))).toBe(true);
  });
});

describe('zeek', () => {
  it('is read as a Zeek TSV file with the intel framework columns', () => {
    const rows = read.zeek.map((r) => [r.indicator, r.indicator_type]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['10.1.0.5', 'Intel::ADDR'],
        ['2001:db8::1', 'Intel::ADDR'],
        ['evil.example.org', 'Intel::DOMAIN'],
        ['bad.example.net/dl/x.exe', 'Intel::URL'],
        ['phisher@example.org', 'Intel::EMAIL'],
        ['d41d8cd98f00b204e9800998ecf8427e', 'Intel::FILE_HASH'],
      ]),
    );
    expect(read.zeek.every((r) => r['meta.source'] === 'puente:colombia/indicators')).toBe(true);
    expect(read.zeek.map((r) => r.indicator)).not.toContain('203.0.113.66');
  });
});

describe('misp', () => {
  it('loads in PyMISP with TLP as tags on the attributes and the event', () => {
    const url = read.misp.attributes.find((a) => a.type === 'url')!;
    expect(url).toMatchObject({ value: 'http://bad.example.net/dl/x.exe', category: 'Network activity', to_ids: true, tags: ['tlp:clear'] });
    expect(read.misp.attributes.find((a) => a.value === 'evil.example.org')!.tags).toEqual(['tlp:green']);
    expect(read.misp.attributes.map((a) => a.type)).toEqual(expect.arrayContaining(['ip-dst', 'domain', 'url', 'email-src', 'md5', 'sha256']));
    expect(read.misp.tags).toEqual(['tlp:green']);
    expect(read.misp.attributes.map((a) => a.value)).not.toContain('203.0.113.66');
  });

  it('converts to STIX 2.1 with misp-stix', () => {
    expect(read.misp_stix.errors).toEqual({});
    expect(read.misp_stix.types).toContain('indicator');
    expect(read.misp_stix.patterns.some((p) => p.includes('evil.example.org'))).toBe(true);
  });
});
