/**
 * What a subscription adds to each fetched object before validation, as OpenCTI does for its
 * connectors: its markings when the object carries none (default TLP:AMBER, so nothing becomes
 * broader than it was), confidence capped at the source's maximum, and its labels. Marking
 * definitions and SCOs (no `created`) get no labels or confidence.
 */
import type { SubscriptionDoc } from '../storage/feeds';

const UNLABELLED = new Set(['marking-definition', 'extension-definition', 'language-content']);

export function shapeObject(o: unknown, s: Pick<SubscriptionDoc, 'markings' | 'maxConfidence' | 'labels'>): unknown {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return o;
  const obj = o as Record<string, unknown>;
  if (obj.type === 'marking-definition') return obj;
  const out: Record<string, unknown> = { ...obj };
  const marked = Array.isArray(obj.object_marking_refs) && obj.object_marking_refs.length > 0;
  const granular = Array.isArray(obj.granular_markings) && obj.granular_markings.length > 0;
  if (!marked && !granular && s.markings.length) out.object_marking_refs = [...s.markings];
  const sdo = typeof obj.created === 'string' && !UNLABELLED.has(String(obj.type));
  if (sdo && s.maxConfidence !== undefined && typeof obj.confidence === 'number' && obj.confidence > s.maxConfidence) out.confidence = s.maxConfidence;
  if (sdo && s.labels.length) {
    const have = Array.isArray(obj.labels) ? (obj.labels as unknown[]).filter((x) => typeof x === 'string') : [];
    out.labels = [...new Set([...(have as string[]), ...s.labels])];
  }
  return out;
}
