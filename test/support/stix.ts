/** Builders of valid STIX 2.1 objects for tests: each test makes the data it needs. */
import crypto from 'node:crypto';

export function stixId(type: string): string {
  return `${type}--${crypto.randomUUID()}`;
}

export function indicator(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: stixId('indicator'),
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    name: 'Malicious IP',
    indicator_types: ['malicious-activity'],
    pattern: "[ipv4-addr:value = '198.51.100.7']",
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function malware(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'malware',
    spec_version: '2.1',
    id: stixId('malware'),
    created: '2026-01-02T00:00:00.000Z',
    modified: '2026-01-02T00:00:00.000Z',
    name: 'Industroyer',
    is_family: true,
    malware_types: ['remote-access-trojan'],
    ...overrides,
  };
}

export function envelope(...objects: Record<string, unknown>[]): { objects: Record<string, unknown>[] } {
  return { objects };
}
