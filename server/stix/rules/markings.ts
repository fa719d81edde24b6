/**
 * Data markings (STIX 2.1 §7.2): no marking definition may mark itself, and every
 * granular-marking selector must point at a property or list item that exists.
 */
import { error, warning } from '../findings';
import { type Rule, isRecord } from './types';

const INDEX_RE = /^\[(\d+)\]$/;

/** The TLP 1.0 marking definitions of STIX 2.1 §7.2.1.4; others with definition_type 'tlp' are suspect. */
const TLP: Record<string, string> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'white',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

/** Why a selector does not resolve in `obj`, or undefined when it does. */
export function selectorProblem(obj: Record<string, unknown>, selector: string): string | undefined {
  let cur: unknown = obj;
  for (const seg of selector.split('.')) {
    const m = INDEX_RE.exec(seg);
    if (m) {
      if (!Array.isArray(cur)) return `'${seg}' indexes something that is not a list`;
      const i = Number(m[1]);
      if (i >= cur.length) return `index ${i} is past the end of a list of ${cur.length}`;
      cur = cur[i];
    } else {
      if (!isRecord(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return `'${seg}' is not a property`;
      cur = cur[seg];
    }
  }
  return undefined;
}

export const markingRules: Rule = (obj, type, report) => {
  const id = obj.id;
  const refs = obj.object_marking_refs;
  if (type === 'marking-definition' && Array.isArray(refs)) {
    refs.forEach((r, i) => {
      if (r === id) error(report, `/object_marking_refs/${i}`, 'marking-circular', 'a marking definition must not mark itself in object_marking_refs');
    });
  }
  const granular = obj.granular_markings;
  if (Array.isArray(granular)) {
    granular.forEach((g, i) => {
      if (!isRecord(g)) return;
      if (type === 'marking-definition' && g.marking_ref === id) {
        error(report, `/granular_markings/${i}/marking_ref`, 'marking-circular', 'a marking definition must not mark itself in granular_markings');
      }
      if (!Array.isArray(g.selectors)) return;
      g.selectors.forEach((s, j) => {
        if (typeof s !== 'string') return;
        const problem = selectorProblem(obj, s);
        if (problem) {
          error(report, `/granular_markings/${i}/selectors/${j}`, 'marking-selector', `selector '${s}' does not point into this object: ${problem}`);
        }
      });
    });
  }
  if (type === 'marking-definition' && obj.definition_type === 'tlp' && typeof id === 'string') {
    const color = isRecord(obj.definition) ? obj.definition.tlp : undefined;
    if (TLP[id] === undefined || TLP[id] !== color) {
      warning(report, '/id', 'marking-tlp', `TLP marking definitions should be the four predefined by STIX 2.1 §7.2.1.4; '${id}' is not ${typeof color === 'string' ? `TLP:${color.toUpperCase()}` : 'one of them'}`);
    }
  }
};
