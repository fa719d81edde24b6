import { extractComparisons, MAX_NESTING, parsePattern } from '../../server/stix/pattern';
import type { Pattern, PatternError } from '../../server/stix/pattern';

function ok(text: string): Pattern {
  const r = parsePattern(text);
  if (!r.ok) throw new Error(`expected ${text} to parse, got ${JSON.stringify(r.error)}`);
  return r.ast;
}

function err(text: string, options?: { strict?: boolean }): PatternError {
  const r = parsePattern(text, options);
  if (r.ok) throw new Error(`expected ${text} to fail`);
  return r.error;
}

describe('parsePattern: tree shape', () => {
  it('builds an observation holding one comparison with its span', () => {
    const ast = ok("[ipv4-addr:value = '198.51.100.1']");
    expect(ast.expression).toEqual({
      kind: 'observation',
      qualifiers: [],
      span: { start: 0, end: 34 },
      expression: {
        kind: 'comparison',
        span: { start: 1, end: 33 },
        comparison: { objectType: 'ipv4-addr', path: ['value'], op: '=', negated: false, value: { type: 'string', value: '198.51.100.1' } },
      },
    });
  });

  it('binds AND tighter than OR inside brackets and flattens chains', () => {
    const ast = ok('[a-b:x = 1 AND a-b:y = 2 OR a-b:z = 3 OR a-b:w = 4]');
    const e = ast.expression.kind === 'observation' ? ast.expression.expression : null;
    expect(e).toMatchObject({ kind: 'comparison-operation', operator: 'OR' });
    if (e?.kind !== 'comparison-operation') return;
    expect(e.operands.map((o) => o.kind === 'comparison-operation' ? o.operator : o.comparison.path[0])).toEqual(['AND', 'z', 'w']);
  });

  it('orders observation operators AND > OR > FOLLOWEDBY', () => {
    const ast = ok('[a-b:x = 1] FOLLOWEDBY [a-b:x = 2] OR [a-b:x = 3] AND [a-b:x = 4]');
    expect(ast.expression).toMatchObject({
      kind: 'observation-operation',
      operator: 'FOLLOWEDBY',
      operands: [
        { kind: 'observation' },
        { kind: 'observation-operation', operator: 'OR', operands: [{ kind: 'observation' }, { kind: 'observation-operation', operator: 'AND' }] },
      ],
    });
  });

  it('keeps a parenthesised right operand as its own node (no re-association)', () => {
    const ast = ok('[a-b:x = 1] FOLLOWEDBY ([a-b:x = 2] FOLLOWEDBY [a-b:x = 3])');
    expect(ast.expression).toMatchObject({
      operator: 'FOLLOWEDBY',
      operands: [{ kind: 'observation' }, { kind: 'observation-operation', operator: 'FOLLOWEDBY' }],
    });
  });

  it('attaches qualifiers after ] to the observation and after ) to a group node', () => {
    const ast = ok("([a-b:x = 1] REPEATS 2 TIMES AND [a-b:y = 2]) WITHIN 1.5 SECONDS START t'2016-01-01T00:00:00Z' STOP t'2016-01-02T00:00:00.5Z'");
    expect(ast.expression).toMatchObject({
      kind: 'group',
      qualifiers: [
        { kind: 'within', seconds: 1.5 },
        { kind: 'startstop', start: '2016-01-01T00:00:00Z', stop: '2016-01-02T00:00:00.5Z' },
      ],
      expression: { kind: 'observation-operation', operands: [{ qualifiers: [{ kind: 'repeats', times: 2 }] }, { qualifiers: [] }] },
    });
  });

  it('leaves no node for parentheses without qualifiers', () => {
    expect(ok('(([a-b:x = 1]))').expression.kind).toBe('observation');
  });

  it('decodes every literal kind', () => {
    const values = extractComparisons(
      ok("[a-b:s = 'it\\'s a \\\\ path' AND a-b:i = -7 AND a-b:f = +.5 AND a-b:t = true AND a-b:ts = t'2020-01-01T00:00:00.123Z' AND a-b:b = b'AAE=' AND a-b:h = h'0aFF' AND a-b:set IN ('x', 2, false)]"),
    ).map((c) => c.value);
    expect(values).toEqual([
      { type: 'string', value: "it's a \\ path" },
      { type: 'int', value: -7 },
      { type: 'float', value: 0.5 },
      { type: 'bool', value: true },
      { type: 'timestamp', value: '2020-01-01T00:00:00.123Z' },
      { type: 'binary', value: 'AAE=' },
      { type: 'hex', value: '0aFF' },
      { type: 'set', value: [{ type: 'string', value: 'x' }, { type: 'int', value: 2 }, { type: 'bool', value: false }] },
    ]);
  });

  it('reads quoted path components, list indexes and [*]', () => {
    const [c] = extractComparisons(ok("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0 AND file:x_list[-1][+2].'a b' = 'y']"));
    expect(c.path).toEqual(['extensions', 'windows-pebinary-ext', 'sections', '*', 'entropy']);
    expect(extractComparisons(ok("[file:x_list[-1][+2].'a b' = 'y']"))[0].path).toEqual(['x_list', -1, 2, 'a b']);
  });

  it('reads NOT before an operator and NOT EXISTS', () => {
    const cs = extractComparisons(ok("[file:name NOT LIKE 'a%' AND NOT EXISTS file:size AND EXISTS file:ctime]"));
    expect(cs.map((c) => [c.op, c.negated, c.value])).toEqual([
      ['LIKE', true, { type: 'string', value: 'a%' }],
      ['EXISTS', true, null],
      ['EXISTS', false, null],
    ]);
  });

  it('accepts == and <> spellings, comments and unusual whitespace', () => {
    const cs = extractComparisons(ok("/* c */ [file:size == 1 // line\n AND\u00a0file:size <> 2]"));
    expect(cs.map((c) => c.op)).toEqual(['=', '!=']);
  });

  it('extracts comparisons in source order across observations', () => {
    const cs = extractComparisons(ok("([file:name = 'a'] AND [file:name = 'b']) OR [process:pid = 3 OR (process:pid = 4 AND process:pid = 5)]"));
    expect(cs.map((c) => c.value?.value)).toEqual(['a', 'b', 3, 4, 5]);
  });
});

describe('parsePattern: syntax errors carry position and an actionable message', () => {
  it('points at the end when a bracket is never closed', () => {
    expect(err("[file:name = 'a'")).toEqual({
      position: 16, line: 1, column: 17,
      message: "expected ']' to close the observation expression opened at column 1",
    });
  });

  it('names the unclosed parenthesis', () => {
    expect(err("([file:name = 'a']").message).toBe("expected ')' to close the '(' opened at column 1");
    expect(err("[(file:name = 'a']")).toMatchObject({ column: 18, message: "expected ')' to close the '(' opened at column 2" });
  });

  it('reports line and column on multi-line input', () => {
    expect(err("[file:name = 'a']\nAND\n  [file:size = ]")).toMatchObject({ line: 3, column: 16, position: 37 });
  });

  it('explains that NOT goes before the operator', () => {
    expect(err("[NOT file:name = 'a']")).toMatchObject({ column: 6, message: expect.stringMatching(/EXISTS after NOT.*file:name NOT = 'x'/) });
  });

  it('rejects backslash escapes other than \\\' and \\\\', () => {
    expect(err("[file:name MATCHES '\\d+']")).toMatchObject({ column: 21, message: expect.stringMatching(/invalid escape/) });
  });

  it('rejects an unterminated string and an unterminated comment', () => {
    expect(err("[file:name = 'abc]")).toMatchObject({ column: 14, message: expect.stringMatching(/unterminated string/) });
    expect(err("[file:name = 'a'] /* x")).toMatchObject({ column: 19, message: expect.stringMatching(/unterminated comment/) });
  });

  it('rejects keywords in the wrong case, hyphenated property names and leading zeros', () => {
    expect(err("[file:name = 'a'] within 5 seconds").column).toBe(19);
    expect(err("[file:mime-type = 'a']").message).toMatch(/quote it as 'mime-type'/);
    expect(err('[file:size = 007]').message).toMatch(/leading zeros/);
  });

  it('requires a set after IN, a string after LIKE and no boolean in an ordering', () => {
    expect(err("[file:name IN 'a']").message).toMatch(/set literal after IN/);
    expect(err('[file:name LIKE 5]').message).toMatch(/quoted string after LIKE/);
    expect(err('[file:flag > true]').message).toMatch(/orderable value/);
  });

  it('rejects empty brackets, stray closers and trailing operators', () => {
    expect(err('[]').column).toBe(2);
    expect(err("[file:name = 'a'])").message).toBe("unexpected ')': no '(' is open");
    expect(err("[file:name = 'a'] AND").message).toMatch(/found end of pattern/);
    expect(err('').message).toMatch(/found end of pattern/);
  });

  it('rejects malformed binary, hex and timestamp literals at the literal', () => {
    expect(err("[a-b:x = b'abc']")).toMatchObject({ column: 10, message: expect.stringMatching(/binary literal/) });
    expect(err("[a-b:x = h'abc']")).toMatchObject({ column: 10, message: expect.stringMatching(/hex literal/) });
    expect(err("[a-b:x = t'2020-01-01 00:00:00Z']")).toMatchObject({ column: 10, message: expect.stringMatching(/timestamp literal/) });
  });
});

describe('parsePattern: semantic checks', () => {
  it('checks object type names (3-250 of a-z, 0-9, -) unless strict is off', () => {
    expect(err("[File:name = 'a']").message).toMatch(/object type 'File' may only contain/);
    expect(err("[ab:name = 'a']").message).toMatch(/3 to 250/);
    expect(ok("[x-acme-widget:name = 'a']")).toBeDefined();
    expect(parsePattern("[ab:name = 'a']", { strict: false }).ok).toBe(true);
  });

  it('checks the property name, including a quoted one', () => {
    expect(err("[file:'Name' = 'a']")).toMatchObject({ column: 7, message: expect.stringMatching(/property name 'Name'/) });
    expect(ok("[file:id = 'a']")).toBeDefined();
  });

  it('validates hash values by algorithm, case- and hyphen-insensitively', () => {
    expect(err("[file:hashes.MD5 = 'abc']")).toMatchObject({ column: 20, message: expect.stringMatching(/not a valid MD5 hash: expected 32 hex digits/) });
    expect(err(`[file:hashes.sha1 = '${'g'.repeat(40)}']`).message).toMatch(/SHA-1 hash.*non-hex/);
    expect(err(`[file:hashes.'SHA3-512' IN ('${'a'.repeat(128)}', 'bad')]`).message).toMatch(/SHA3-512/);
    expect(err("[file:hashes.SSDEEP = 'nope']").message).toMatch(/SSDEEP/);
    expect(err("[file:hashes.TLSH = 'T1abc']").message).toMatch(/TLSH/);
    expect(ok(`[file:hashes.'SHA-512' = '${'A'.repeat(128)}' AND file:hashes.'SHA3-256' = '${'0'.repeat(64)}']`)).toBeDefined();
    expect(ok("[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']")).toBeDefined();
    expect(ok(`[file:hashes.TLSH = 'T1${'A'.repeat(70)}']`)).toBeDefined();
    expect(ok("[file:hashes.MD5 LIKE 'abc%' AND file:hashes.'x-custom' = 'anything']")).toBeDefined();
  });

  it('rejects duplicate qualifiers on one [...] and allows them on an enclosing group', () => {
    expect(err("[a-b:x = 1] REPEATS 2 TIMES WITHIN 5 SECONDS REPEATS 3 TIMES")).toMatchObject({
      column: 46,
      message: 'duplicate REPEATS qualifier on one observation expression (the first is at column 13); to qualify again, wrap it in parentheses',
    });
    expect(ok('([a-b:x = 1] REPEATS 2 TIMES) REPEATS 3 TIMES')).toBeDefined();
  });

  it('requires positive WITHIN and REPEATS values and START before STOP', () => {
    expect(err('[a-b:x = 1] WITHIN 0 SECONDS')).toMatchObject({ column: 20, message: expect.stringMatching(/positive/) });
    expect(err('[a-b:x = 1] REPEATS 0 TIMES').message).toMatch(/positive integer/);
    expect(err('[a-b:x = 1] REPEATS 1.5 TIMES').message).toMatch(/positive integer after REPEATS/);
    expect(err("[a-b:x = 1] START t'2020-01-01T00:00:00.5Z' STOP t'2020-01-01T00:00:00.50Z'").message).toMatch(/must be earlier than STOP/);
  });

  it('requires MATCHES to compile and translates leading PCRE inline flags', () => {
    expect(err("[file:name MATCHES '(unclosed']")).toMatchObject({ column: 20, message: expect.stringMatching(/does not compile/) });
    expect(ok("[file:name MATCHES '(?i)^evil\\\\.exe$']")).toBeDefined();
  });

  it('reports a syntax error in preference to an earlier semantic one', () => {
    expect(err("[X:name = 'a' AND]").message).toMatch(/^expected an object path/);
  });

  it('rejects integers that a double cannot hold exactly', () => {
    expect(err('[file:size = 9007199254740993]').message).toMatch(/exactly representable/);
  });
});

describe('parsePattern: large and deeply nested input', () => {
  const values = Array.from({ length: 1000 }, (_, i) => `'host-${String(i).padStart(6, '0')}.subdomain.example.org'`);

  it('parses a 57 KB bracket with 1,000 OR-ed comparisons into one flat node', () => {
    const text = '[' + values.map((v) => `domain-name:value = ${v}`).join(' OR ') + ']';
    expect(text.length).toBeGreaterThan(57_000);
    const ast = ok(text);
    expect(ast.expression.kind === 'observation' && ast.expression.expression.kind === 'comparison-operation' && ast.expression.expression.operands.length).toBe(1000);
    expect(extractComparisons(ast)).toHaveLength(1000);
  });

  it('parses 1,000 observation expressions joined by AND', () => {
    const text = values.map((v) => `[domain-name:value = ${v}]`).join(' AND ');
    const ast = ok(text);
    expect(ast.expression.kind === 'observation-operation' && ast.expression.operands.length).toBe(1000);
  });

  it(`parses ${MAX_NESTING} nested parentheses`, () => {
    const text = '('.repeat(MAX_NESTING) + '[a-b:x = 1]' + ')'.repeat(MAX_NESTING);
    expect(ok(text).expression.kind).toBe('observation');
  });

  it('fails cleanly, at the offending parenthesis, on 5,000 nested parentheses', () => {
    for (const text of [
      '('.repeat(5000) + '[a-b:x = 1]' + ')'.repeat(5000),
      '[' + '('.repeat(5000) + 'a-b:x = 1' + ')'.repeat(5000) + ']',
      '('.repeat(5000),
    ]) {
      expect(err(text)).toMatchObject({ message: `parentheses nested deeper than ${MAX_NESTING} levels` });
    }
    expect(err('('.repeat(5000)).position).toBe(MAX_NESTING);
  });

  it('alternating nested operators stay within the nesting limit and parse', () => {
    let text = '[a-b:x = 0]';
    for (let i = 1; i < 200; i++) text = `(${text} ${i % 2 ? 'AND' : 'FOLLOWEDBY'} [a-b:x = ${i}])`;
    expect(extractComparisons(ok(text))).toHaveLength(200);
  });
});
