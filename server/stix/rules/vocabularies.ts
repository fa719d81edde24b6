/**
 * Open vocabularies (STIX 2.1 §10): values SHOULD come from them, so a value outside is a
 * warning, never an error. The value lists come from the vendored schemas' definitions.
 */
import { warning } from '../findings';
import type { Rule } from './types';

const PROPERTY_VOCABULARY: Record<string, Record<string, string>> = {
  grouping: { context: 'grouping-context-ov' },
  identity: { identity_class: 'identity-class-ov', sectors: 'industry-sector-ov' },
  indicator: { indicator_types: 'indicator-type-ov', pattern_type: 'pattern-type-ov' },
  infrastructure: { infrastructure_types: 'infrastructure-type-ov' },
  'intrusion-set': { resource_level: 'attack-resource-level-ov', primary_motivation: 'attack-motivation-ov', secondary_motivations: 'attack-motivation-ov' },
  location: { region: 'region-ov' },
  malware: {
    malware_types: 'malware-type-ov',
    implementation_languages: 'implementation-language-ov',
    capabilities: 'malware-capabilities-ov',
    architecture_execution_envs: 'processor-architecture-ov',
  },
  'malware-analysis': { result: 'malware-av-result-ov' },
  report: { report_types: 'report-type-ov' },
  'threat-actor': {
    threat_actor_types: 'threat-actor-type-ov',
    roles: 'threat-actor-role-ov',
    sophistication: 'threat-actor-sophistication-ov',
    resource_level: 'attack-resource-level-ov',
    primary_motivation: 'attack-motivation-ov',
    secondary_motivations: 'attack-motivation-ov',
    personal_motivations: 'attack-motivation-ov',
  },
  tool: { tool_types: 'tool-type-ov' },
  'user-account': { account_type: 'account-type-ov' },
};

export function vocabularyRulesFor(vocabularies: Map<string, Set<string>>): Rule {
  return (obj, type, report) => {
    const props = PROPERTY_VOCABULARY[type];
    if (!props) return;
    for (const prop in props) {
      const value = obj[prop];
      if (value === undefined) continue;
      const vocab = vocabularies.get(props[prop]);
      if (!vocab) continue;
      const values = Array.isArray(value) ? value : [value];
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v === 'string' && !vocab.has(v)) {
          warning(
            report,
            Array.isArray(value) ? `/${prop}/${i}` : `/${prop}`,
            'vocabulary',
            `'${v}' is not in the ${props[prop]} vocabulary; STIX 2.1 says '${prop}' should use its values`,
          );
        }
      }
    }
  };
}
