/**
 * Checks real answers against openapi.yaml: the operation must exist for the request's path and
 * method, the status must be declared for it, required headers must be there, every header that
 * is not generic HTTP or helmet must be declared, the Content-Type must be one the response
 * declares, and the body must validate (Ajv, JSON Schema 2020-12 = OpenAPI 3.1). A media type
 * declared without a schema means "empty body". Anything not described is a problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export const OPENAPI_PATH = path.join(__dirname, '..', '..', 'openapi.yaml');
const BASE = 'https://puente.invalid/openapi.yaml';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Headers every answer may carry without being declared per response (see info.description). */
const GENERIC_HEADERS = new Set([
  'content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary',
  // helmet 8 defaults
  'content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster',
  'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-dns-prefetch-control',
  'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection',
]);

type Json = Record<string, unknown>;

/** The parts of a supertest/superagent response this module reads. */
export interface AnswerLike {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text?: string;
  req?: { method?: string; path?: string };
}

export interface Operation {
  template: string;
  method: string;
  operation: Json;
}

/** `text/plain; version=0.0.4; charset=utf-8` -> `text/plain;version=0.0.4` (charset=utf-8 is implied). */
export function normaliseMediaType(value: string): string {
  return value
    .toLowerCase()
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'charset=utf-8')
    .join(';');
}

export class OpenApi {
  readonly doc: Json;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<object, ValidateFunction>();
  private readonly routes: { template: string; regex: RegExp; params: number }[];
  /** `METHOD template status` of every answer validated, for coverage checks. */
  readonly seen = new Set<string>();

  constructor(file = OPENAPI_PATH) {
    this.doc = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true }) as Json;
    this.ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(this.ajv);
    // Component schemas only, under a base id, so `#/components/schemas/X` resolves inside them.
    this.ajv.addKeyword('components');
    this.ajv.addSchema({ $id: BASE, components: { schemas: this.components('schemas') } });
    this.routes = Object.keys(this.paths()).map((template) => ({
      template,
      params: (template.match(/\{[^}]+\}/g) ?? []).length,
      regex: new RegExp(
        `^${template
          .split(/(\{[^}]+\})/)
          .map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
      ),
    }));
    // A literal path (/taxii2/) wins over a template that also matches it (/{api_root}/), as in Express.
    this.routes.sort((a, b) => a.params - b.params);
  }

  paths(): Record<string, Json> {
    return this.doc.paths as Record<string, Json>;
  }

  components(kind: string): Record<string, Json> {
    return ((this.doc.components as Json)[kind] ?? {}) as Record<string, Json>;
  }

  /** Every operation of the document, as `METHOD template`. */
  operations(): string[] {
    return Object.entries(this.paths()).flatMap(([template, item]) =>
      METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${template}`),
    );
  }

  /** Follows a local `$ref` (one level at a time until there is none). */
  deref<T = Json>(node: unknown): T {
    let n = node as Json;
    while (n && typeof n === 'object' && typeof n.$ref === 'string') {
      const ref = n.$ref;
      if (!ref.startsWith('#/')) throw new Error(`only local $ref is supported: ${ref}`);
      n = ref
        .slice(2)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<Json>((acc, key) => acc?.[key] as Json, this.doc);
      if (n === undefined) throw new Error(`dangling $ref ${ref}`);
    }
    return n as T;
  }

  /** The operation for a request path (query stripped) and method, or undefined. */
  find(method: string, requestPath: string): Operation | undefined {
    const p = requestPath.split('?')[0]!;
    for (const r of this.routes) {
      if (!r.regex.test(p)) continue;
      const operation = this.paths()[r.template]![method.toLowerCase()] as Json | undefined;
      if (operation) return { template: r.template, method: method.toUpperCase(), operation };
    }
    return undefined;
  }

  private validator(schema: Json): ValidateFunction {
    let v = this.compiled.get(schema);
    if (!v) {
      // Rewrite local refs to the registered base so Ajv resolves them.
      const rewritten = JSON.parse(JSON.stringify(schema), (k, val: unknown) =>
        k === '$ref' && typeof val === 'string' && val.startsWith('#/') ? `${BASE}${val}` : val,
      ) as Json;
      v = this.ajv.compile(rewritten);
      this.compiled.set(schema, v);
    }
    return v;
  }

  /** Validates a value against a schema of the document; returns Ajv's messages. */
  check(schema: Json, value: unknown): string[] {
    const v = this.validator(schema);
    if (v(value)) return [];
    return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  /** Everything about `res` that openapi.yaml does not describe; empty when it is all described. */
  problems(res: AnswerLike, request?: { method: string; path: string }): string[] {
    const method = request?.method ?? res.req?.method;
    const reqPath = request?.path ?? res.req?.path;
    if (!method || !reqPath) return ['cannot tell the request method and path of this response'];
    const op = this.find(method, reqPath);
    if (!op) return [`no operation ${method} ${reqPath} in openapi.yaml`];
    const where = `${op.method} ${op.template} -> ${res.status}`;
    const responses = op.operation.responses as Record<string, unknown>;
    const declared = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`];
    if (!declared) return [`${where}: status ${res.status} is not declared (declared: ${Object.keys(responses).join(', ')})`];
    this.seen.add(`${op.method} ${op.template} ${res.status}`);
    const response = this.deref(declared);
    const out: string[] = [];

    // Headers
    const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), this.deref(v)]));
    for (const [name, h] of Object.entries(headers)) {
      const value = res.headers[name];
      if (value === undefined) {
        if (h.required === true) out.push(`${where}: required header ${name} is missing`);
        continue;
      }
      if (h.schema) out.push(...this.check(h.schema as Json, value).map((m) => `${where}: header ${name}: ${m}`));
    }
    for (const name of Object.keys(res.headers)) {
      const n = name.toLowerCase();
      if (!GENERIC_HEADERS.has(n) && !headers[n]) out.push(`${where}: header ${name} is not declared`);
    }

    // Content type and body
    const text = res.text ?? '';
    const content = response.content as Record<string, Json> | undefined;
    const contentType = res.headers['content-type'];
    if (!content) {
      if (text !== '') out.push(`${where}: a body was sent but the response declares none`);
      return out;
    }
    if (typeof contentType !== 'string') return [...out, `${where}: no Content-Type (declared: ${Object.keys(content).join(', ')})`];
    const key = Object.keys(content).find((k) => normaliseMediaType(k) === normaliseMediaType(contentType));
    if (!key) return [...out, `${where}: Content-Type ${contentType} is not declared (declared: ${Object.keys(content).join(', ')})`];
    const media = content[key]!;
    if (!media.schema) {
      if (text !== '') out.push(`${where}: the body must be empty, got ${text.slice(0, 80)}`);
      return out;
    }
    if (normaliseMediaType(key).split(';')[0] === 'text/event-stream') {
      // As schemathesis reads it: the schema describes each event ({ id, event, data }), comments aside.
      for (const event of sseEvents(text)) out.push(...this.check(media.schema as Json, event).map((m) => `${where}: event ${m}`));
      return out;
    }
    let body: unknown = text;
    if (/[/+]json$/.test(normaliseMediaType(key).split(';')[0]!)) {
      try {
        body = JSON.parse(text);
      } catch {
        return [...out, `${where}: the body is not JSON: ${text.slice(0, 80)}`];
      }
    }
    out.push(...this.check(media.schema as Json, body).map((m) => `${where}: body ${m}`));
    return out;
  }

  /** Throws, listing every problem, unless `res` is fully described. Returns `res` for chaining. */
  expectDescribed<T extends AnswerLike>(res: T, request?: { method: string; path: string }): T {
    const found = this.problems(res, request);
    if (found.length > 0) throw new Error(`Response not described by openapi.yaml:\n  ${found.join('\n  ')}\nBody: ${(res.text ?? '').slice(0, 300)}`);
    return res;
  }
}

/** The events of a text/event-stream body (WHATWG HTML §9.2.6) as { id, event, data } objects. */
function sseEvents(text: string): Record<string, string>[] {
  const events: Record<string, string>[] = [];
  for (const block of text.split('\n\n')) {
    const e: Record<string, string> = {};
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id' || field === 'event') e[field] = value;
    }
    if (data.length) events.push({ ...e, data: data.join('\n') });
  }
  return events;
}
