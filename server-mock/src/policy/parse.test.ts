import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseWorkflow, type PolicyError } from './engine.js';
import { TEMPLATES } from './templates.js';

/** A valid document; each error case changes one thing in it. */
function baseDocument(): Record<string, unknown> {
  return {
    id: 'unusual-country',
    name: 'Unusual country',
    modes: ['api', 'event'],
    params: { lookback: { type: 'number', default: 10 } },
    match: "event.behaviorType == 'login'",
    statistics: [
      {
        id: 'knownCountries',
        filter: [
          { field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } },
          { field: 'behaviorResult', op: 'eq', value: 'success' },
        ],
        window: { last: { param: 'lookback' } },
        op: 'values',
        field: 'country',
      },
    ],
    rules: [
      {
        id: 'new-country',
        when: 'size(stats.knownCountries) > 0 && !(event.country in stats.knownCountries)',
        then: { factors: ['totp', 'sms'], message: 'Login from a new country (last {{params.lookback}} logins)' },
      },
    ],
  };
}

type Edit = (document: Record<string, any>) => void;

function errorsFor(edit: Edit): PolicyError[] {
  const document = baseDocument();
  edit(document);
  const result = parseWorkflow(stringify(document), 'doc.yaml');
  expect(result.ok, 'the edited document should be refused').toBe(false);
  return result.ok ? [] : result.errors;
}

function expectError(errors: PolicyError[], node: string, field: string, message: RegExp, label?: string): void {
  expect(errors, label).toContainEqual({ document: 'doc.yaml', node, field, message: expect.stringMatching(message) });
}

describe('parseWorkflow', () => {
  it('accepts the reference document and compiles it', () => {
    const result = parseWorkflow(stringify(baseDocument()), 'doc.yaml');
    expect(result).toMatchObject({ ok: true, workflow: { id: 'unusual-country', modes: ['api', 'event'] } });
    if (!result.ok) return;
    expect(result.workflow.params.lookback).toEqual({ type: 'number', default: 10, description: null });
    expect(result.workflow.statistics.map((statistic) => statistic.id)).toEqual(['knownCountries']);
    expect(result.workflow.rules.map((rule) => rule.id)).toEqual(['new-country']);
    expect(result.workflow.rules[0]!.then.acr).toBe('urn:camfa:acr:mfa');
  });

  it('reads JSON as well as YAML', () => {
    expect(parseWorkflow(JSON.stringify(baseDocument()), 'doc.json').ok).toBe(true);
  });

  it('expands templates in uses after the own rules, with ids from the use', () => {
    const result = parseWorkflow(
      stringify({ ...baseDocument(), uses: [{ template: 'ip-failures' }, { template: 'unusual-city', id: 'city-check', params: { lookback: 5 } }] }),
      'doc.yaml',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.workflow.rules.map((rule) => rule.id)).toEqual(['new-country', 'ip-failures', 'city-check']);
    expect(result.workflow.statistics.map((statistic) => statistic.id)).toEqual(['knownCountries', 'ip-failures.failures', 'city-check.known']);
    expect(result.workflow.uses).toContainEqual(
      expect.objectContaining({ id: 'city-check', template: 'unusual-city', params: expect.objectContaining({ lookback: 5 }) }),
    );
  });

  it('names the line and column of invalid YAML', () => {
    const result = parseWorkflow('id: demo\nname: [unclosed\nmodes: [api]\n', 'doc.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      {
        document: 'doc.yaml',
        node: 'document',
        field: expect.stringMatching(/^line \d+, column \d+$/),
        message: expect.stringMatching(/not valid YAML or JSON/),
      },
    ]);
  });

  it('refuses invalid JSON, duplicate keys and an empty document', () => {
    for (const source of ['{"id": "x", ', 'id: a\nid: b\n', '', '# only a comment\n']) {
      const result = parseWorkflow(source, 'doc.yaml');
      expect(result.ok, source).toBe(false);
      if (!result.ok) expect(result.errors[0]).toMatchObject({ document: 'doc.yaml', node: 'document' });
    }
  });

  it('names document, node and field for each kind of mistake', () => {
    const cases: [string, Edit, string, string, RegExp][] = [
      ['unknown filter op', (d) => (d.statistics[0].filter[1].op = 'equals'), 'statistics[knownCountries]', 'filter[1].op', /expected one of/],
      ['unknown field', (d) => (d.statistics[0].field = 'countryy'), 'statistics[knownCountries]', 'field', /unknown event field "countryy"/],
      [
        'unknown event reference',
        (d) => (d.statistics[0].filter[0].value = { event: 'user' }),
        'statistics[knownCountries]',
        'filter[0].value.event',
        /unknown event field "user"/,
      ],
      ['CEL syntax', (d) => (d.rules[0].when = 'event.country =='), 'rules[new-country].when', 'expression', /in CEL "event.country =="/],
      [
        'CEL unknown statistic',
        (d) => (d.rules[0].when = 'size(stats.knownCities) > 0'),
        'rules[new-country].when',
        'expression',
        /unknown statistic "stats.knownCities"/,
      ],
      [
        'CEL unknown event field',
        (d) => (d.rules[0].when = "event.countryCode == 'FR'"),
        'rules[new-country].when',
        'expression',
        /unknown event field "event.countryCode"/,
      ],
      ['CEL unknown variable', (d) => (d.rules[0].when = 'risk > 3'), 'rules[new-country].when', 'expression', /Unknown variable: risk/],
      ['CEL type error', (d) => (d.rules[0].when = '"a" + 1 == "a1"'), 'rules[new-country].when', 'expression', /no such overload/],
      ['CEL not boolean', (d) => (d.rules[0].when = '1 + 2'), 'rules[new-country].when', 'expression', /must be a boolean condition/],
      ['CEL bad CIDR literal', (d) => (d.rules[0].when = 'inCidr(event.ip, "10.0.0.0/33")'), 'rules[new-country].when', 'expression', /not a CIDR range/],
      [
        'nested condition',
        (d) => (d.rules[0].when = { all: ['true', { any: ['false', 'params.nope == 1'] }] }),
        'rules[new-country].when',
        'all[1].any[1]',
        /unknown parameter "params.nope"/,
      ],
      ['condition shape', (d) => (d.rules[0].when = { either: ['true'] }), 'rules[new-country].when', 'expression', /expected a CEL condition/],
      ['empty group', (d) => (d.rules[0].when = { any: [] }), 'rules[new-country].when', 'any', /non-empty list/],
      ['match uses statistics', (d) => (d.match = 'size(stats.knownCountries) > 0'), 'document', 'match', /"stats" is not available here/],
      ['duplicate statistic id', (d) => d.statistics.push(structuredClone(d.statistics[0])), 'statistics[1]', 'id', /duplicate statistic id "knownCountries"/],
      ['duplicate rule id', (d) => d.rules.push(structuredClone(d.rules[0])), 'rules[1]', 'id', /duplicate rule id "new-country"/],
      [
        'unknown template',
        (d) => (d.uses = [{ template: 'unusual-planet' }]),
        'uses[unusual-planet]',
        'template',
        /unknown template "unusual-planet"; built-in templates: unusual-country/,
      ],
      [
        'bad template param value',
        (d) => (d.uses = [{ template: 'unusual-country', params: { lookback: 0 } }]),
        'uses[unusual-country]',
        'params.lookback',
        /./,
      ],
      [
        'unknown template param',
        (d) => (d.uses = [{ template: 'ip-failures', params: { treshold: 5 } }]),
        'uses[ip-failures]',
        'params.treshold',
        /Unrecognized key/,
      ],
      [
        'template use colliding with a rule id',
        (d) => (d.uses = [{ template: 'extranet', id: 'new-country' }]),
        'uses[new-country]',
        'id',
        /already a rule id/,
      ],
      ['unknown factor', (d) => (d.rules[0].then.factors = ['totp', 'carrier-pigeon']), 'rules[new-country].then', 'factors', /list of factors/],
      ['repeated factor', (d) => (d.rules[0].then.factors = ['totp', 'totp']), 'rules[new-country].then', 'factors', /each factor at most once/],
      [
        'message reference',
        (d) => (d.rules[0].then.message = 'Hello {{params.lookbak}}'),
        'rules[new-country].then',
        'message',
        /unknown parameter "params.lookbak"/,
      ],
      ['bad duration', (d) => (d.statistics[0].window = { duration: '2 minutes' }), 'statistics[knownCountries]', 'window.duration', /a duration like/],
      ['two windows', (d) => (d.statistics[0].window = { last: 5, duration: '2m' }), 'statistics[knownCountries]', 'window', /exactly one of last/],
      [
        'window param of the wrong type',
        (d) => (d.params.lookback = { type: 'string', default: 'ten' }),
        'statistics[knownCountries]',
        'window.last',
        /must be a whole number/,
      ],
      [
        'unknown window param',
        (d) => (d.statistics[0].window = { last: { param: 'depth' } }),
        'statistics[knownCountries]',
        'window.last',
        /unknown parameter "depth"/,
      ],
      ['param default of the wrong type', (d) => (d.params.lookback.default = 'ten'), 'params[lookback]', 'default', /expected number/],
      [
        'op needs a list',
        (d) => (d.statistics[0].filter[1] = { field: 'behaviorResult', op: 'in', value: 'success' }),
        'statistics[knownCountries]',
        'filter[1].value',
        /needs a list/,
      ],
      [
        'op takes no value',
        (d) => (d.statistics[0].filter[1] = { field: 'deviceId', op: 'exists', value: 'x' }),
        'statistics[knownCountries]',
        'filter[1].value',
        /takes no value/,
      ],
      ['count with a field', (d) => (d.statistics[0].op = 'count'), 'statistics[knownCountries]', 'field', /"count" takes no field/],
      ['sum of text', (d) => (d.statistics[0].op = 'sum'), 'statistics[knownCountries]', 'field', /numeric field/],
      ['unknown key', (d) => (d.rulez = []), 'document', 'rulez', /Unrecognized key/],
      ['unknown key in a rule', (d) => (d.rules[0].whenn = 'true'), 'rules[new-country]', 'whenn', /Unrecognized key/],
      ['bad workflow id', (d) => (d.id = 'Unusual Country'), 'document', 'id', /lowercase letters/],
      ['missing modes', (d) => delete d.modes, 'document', 'modes', /expected array/],
      ['no rules at all', (d) => (d.rules = []), 'document', 'rules', /at least one rule or one template/],
      ['expression too long', (d) => (d.rules[0].when = `true${' && true'.repeat(300)}`), 'rules[new-country].when', 'expression', /longer than 2048/],
      ['statistic id not usable in CEL', (d) => (d.statistics[0].id = 'known-countries'), 'statistics[known-countries]', 'id', /letters, digits and "_"/],
    ];
    for (const [name, edit, node, field, message] of cases) {
      expectError(errorsFor(edit), node, field, message, name);
    }
  });

  it('reports every problem at once', () => {
    const errors = errorsFor((d) => {
      d.rules[0].when = 'nope';
      d.rules[0].then.message = '{{stats.gone}}';
    });
    expect(errors.map((error) => `${error.node} ${error.field}`)).toEqual(['rules[new-country].when expression', 'rules[new-country].then message']);
  });

  it('bounds the document size and the number of rules and statistics', () => {
    const huge = `# ${'x'.repeat(256 * 1024)}\n${stringify(baseDocument())}`;
    expect(parseWorkflow(huge, 'doc.yaml')).toEqual({
      ok: false,
      errors: [{ document: 'doc.yaml', node: 'document', field: '(document)', message: 'larger than 256 KB' }],
    });
    const tooManyRules = errorsFor((d) => (d.rules = Array.from({ length: 101 }, (_, index) => ({ ...structuredClone(d.rules[0]), id: `rule-${index}` }))));
    expectError(tooManyRules, 'document', 'rules', /<=100|100/);
    const tooManyStats = errorsFor(
      (d) => (d.statistics = Array.from({ length: 51 }, (_, index) => ({ ...structuredClone(d.statistics[0]), id: `s${index}` }))),
    );
    expectError(tooManyStats, 'document', 'statistics', /<=50|50/);
  });

  it('refuses documents nested beyond any valid shape without recursing into them', () => {
    const nested = (depth: number) => {
      const when = `${'{"not":'.repeat(depth)}"true"${'}'.repeat(depth)}`;
      const source = JSON.stringify({ ...baseDocument(), rules: [{ id: 'deep', when: 'WHEN', then: { factors: ['totp'] } }] }).replace('"WHEN"', when);
      return parseWorkflow(source, 'doc.json');
    };
    expect(nested(60)).toMatchObject({ ok: false, errors: [{ node: 'document', message: expect.stringMatching(/nested more than 40 levels/) }] });
    // Deeper still, the YAML parser itself gives up; that too is an answer rather than a crash.
    expect(nested(20_000)).toMatchObject({ ok: false, errors: [{ node: 'document', field: expect.any(String) }] });
    expect(nested(6)).toMatchObject({ ok: true });
  });

  it('accepts every template with its defaults', () => {
    for (const name of TEMPLATES.keys()) {
      const params = name === 'factor-by-attribute' ? { attribute: 'role', map: { finance: ['sms'] } } : {};
      const result = parseWorkflow(stringify({ id: 'all', name: 'All', modes: ['api'], uses: [{ template: name, params }] }), `${name}.yaml`);
      expect(result.ok ? null : result.errors, name).toBeNull();
    }
  });
});

/** Replaces the `at`-th node (modulo the node count, in depth-first order) of a JSON tree in place. */
function replaceNode(root: unknown, at: number, replacement: unknown): void {
  const slots: [Record<string, unknown>, string][] = [];
  const visit = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      slots.push([node as Record<string, unknown>, key]);
      visit(child);
    }
  };
  visit(root);
  if (slots.length === 0) return;
  const [parent, key] = slots[at % slots.length]!;
  parent[key] = replacement;
}

describe('parseWorkflow on junk', () => {
  const ok = (result: ReturnType<typeof parseWorkflow>) =>
    result.ok ||
    (result.errors.length > 0 &&
      result.errors.every((error) => [error.document, error.node, error.field, error.message].every((part) => typeof part === 'string' && part.length > 0)));

  it('never throws on arbitrary text or JSON/YAML values', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
      fc.anything({ maxDepth: 4 }).map((value) => {
        try {
          return stringify(value);
        } catch {
          return String(value);
        }
      }),
    );
    fc.assert(
      fc.property(text, (source) => ok(parseWorkflow(source, 'junk'))),
      { numRuns: 1000 },
    );
  });

  it('never throws on near-valid documents with junk in any node', () => {
    const junk = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));
    // Documents are built from mostly valid parts, then up to two nodes are replaced with junk below.
    const maybe = <T>(valid: fc.Arbitrary<T>) => valid;
    /** Mostly valid choices, sometimes a plausible mistake. */
    const pick = <T>(valid: T[], invalid: T[]) =>
      fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
    const choose = pick;
    const cel = fc.oneof(
      {
        weight: 30,
        arbitrary: fc.constantFrom(
          'true',
          'true',
          'true',
          'stats.s0 > 1',
          'size(stats.s0) > 0',
          "event.country == 'FR'",
          'params.p0 >= 1',
          'speedKmh(stats.s0, event) > 805.0',
          'inCidr(event.ip, "10.0.0.0/8")',
          'x +',
          '"a" + 1',
          'stats.nope',
        ),
      },
      fc.string({ maxLength: 40 }),
    );
    const { condition } = fc.letrec((tie) => ({
      condition: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        { weight: 6, arbitrary: cel },
        fc.record({ all: fc.array(tie('condition'), { maxLength: 3 }) }),
        fc.record({ any: fc.array(tie('condition'), { maxLength: 3 }) }),
        fc.record({ not: tie('condition') }),
        junk,
      ),
    }));
    const field = choose(['country', 'ip', 'custom.role', 'deviceId', 'requestDate'], ['nope', 'custom.']);
    const filter = fc.record(
      {
        field,
        op: choose(['eq', 'ne', 'in', 'nin', 'gt', 'exists', 'missing'], ['like']),
        value: maybe(
          fc.oneof(
            fc.string({ maxLength: 10 }),
            fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
            fc.record({ event: field }),
            fc.record({ param: choose(['p0', 'p1'], ['zz']) }),
          ),
        ),
      },
      { requiredKeys: ['field', 'op'] },
    );
    const statistic = fc.record(
      {
        id: choose(['s0', 's1'], ['bad-id']),
        filter: maybe(fc.array(filter, { maxLength: 3 })),
        window: maybe(
          fc.oneof(
            fc.record({ last: maybe(fc.integer({ min: -1, max: 20_000 })) }),
            fc.record({ duration: choose(['2m', '30d'], ['0s', '400d', '5x']) }),
            fc.record({ last: fc.record({ param: fc.constantFrom('p0', 'p1') }) }),
          ),
        ),
        op: choose(['count', 'distinct', 'sum', 'values', 'latest'], ['median']),
        field,
        groupBy: field,
        scope: choose(['app', 'all-apps'], ['galaxy']),
      },
      { requiredKeys: ['id', 'window', 'op'] },
    );
    const rule = fc.record(
      {
        id: choose(['r0', 'r1'], ['R!']),
        when: condition,
        then: maybe(
          fc.record(
            {
              factors: maybe(fc.oneof(fc.subarray(['totp', 'sms', 'email', 'webauthn', 'face', 'recovery_code', 'fax']), fc.record({ expr: cel }))),
              acr: maybe(fc.string({ maxLength: 10 })),
              message: choose(['hi', '{{params.p0}}', '{{stats.s0}}', '{{event.country}}'], ['{{event.nope}}', '{{x}}']),
              custom: maybe(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }))),
            },
            { requiredKeys: ['factors'] },
          ),
        ),
      },
      { requiredKeys: ['id', 'when', 'then'] },
    );
    const use = fc.record(
      {
        template: choose([...TEMPLATES.keys()], ['nope']),
        id: choose(['u0', 'u1'], ['r0']),
        params: maybe(
          fc.dictionary(
            pick(['lookback', 'cidrs', 'attribute', 'window', 'factors', 'threshold'], ['junk']),
            fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom('5m', ['10.0.0.0/8'], 'role', ['sms']), junk),
          ),
        ),
      },
      { requiredKeys: ['template'] },
    );
    const document = fc.record(
      {
        id: choose(['wf'], ['WF']),
        name: choose(['Workflow'], ['']),
        modes: maybe(
          fc.oneof({ weight: 8, arbitrary: fc.subarray(['api', 'event'], { minLength: 1 }) }, { weight: 1, arbitrary: fc.subarray(['api', 'batch']) }),
        ),
        params: maybe(
          fc.dictionary(
            pick(['p0', 'p1'], ['bad-name']),
            fc.record(
              {
                type: choose(['number', 'string', 'list', 'duration', 'factors'], ['blob']),
                default: maybe(fc.constantFrom(10, 'ten', ['a', 1], '2m', ['totp'])),
              },
              { requiredKeys: ['type', 'default'] },
            ),
          ),
        ),
        match: maybe(cel),
        statistics: maybe(fc.array(statistic, { maxLength: 3 })),
        rules: maybe(fc.array(rule, { maxLength: 3 })),
        uses: maybe(fc.array(use, { maxLength: 3 })),
      },
      { requiredKeys: ['id', 'name', 'modes'] },
    );
    // Valid documents with varied content, so mutations also hit compiled CEL, templates and references.
    const validCondition = fc.constantFrom(
      'true',
      "event.country == 'FR'",
      'size(stats.s0) > 0',
      'speedKmh(stats.s1, event) > params.p0',
      'inCidr(event.ip, "10.0.0.0/8")',
    );
    const validDocument = fc.record({
      id: fc.constant('wf'),
      name: fc.constant('Workflow'),
      modes: fc.subarray(['api', 'event'] as const, { minLength: 1 }),
      params: fc.constant({ p0: { type: 'number', default: 805 } }),
      statistics: fc.constant([
        {
          id: 's0',
          filter: [{ field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } }],
          window: { last: { param: 'p0' } },
          op: 'values',
          field: 'country',
        },
        { id: 's1', window: { duration: '1h' }, op: 'latest', scope: 'all-apps' },
      ]),
      rules: fc.array(
        fc.record({
          id: fc.constantFrom('r0', 'r1', 'r2'),
          when: fc.oneof(validCondition, fc.record({ all: fc.array(validCondition, { minLength: 1, maxLength: 3 }) }), fc.record({ not: validCondition })),
          then: fc.record({
            factors: fc.subarray(['totp', 'sms', 'email'], { minLength: 1 }),
            message: fc.constantFrom('', '{{params.p0}} {{stats.s0}} {{event.country}}'),
          }),
        }),
        { minLength: 1, maxLength: 1 },
      ),
      uses: fc.subarray([
        { template: 'unusual-country' },
        { template: 'extranet', params: { cidrs: ['10.0.0.0/8'] } },
        { template: 'factor-by-attribute', params: { attribute: 'role', map: { hr: ['totp'] } } },
      ]),
    });
    const mutations = fc.array(fc.tuple(fc.nat(), junk), { maxLength: 2 });
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(document, validDocument), mutations, fc.boolean(), (generated, replacements, asJson) => {
        // Generators share constant objects between runs; mutate a copy.
        const value = structuredClone(generated);
        for (const [at, replacement] of replacements) replaceNode(value, at, replacement);
        const result = parseWorkflow(asJson ? JSON.stringify(value) : stringify(value), 'junk');
        if (result.ok) accepted++;
        return ok(result);
      }),
      { numRuns: 1500 },
    );
    // Enough generated documents must get through, or this test would only ever exercise the schema's first gate.
    expect(accepted).toBeGreaterThan(30);
  });
});

describe('README examples', () => {
  it('parse as documented', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const block of blocks) {
      // Template snippets show only `uses`; give them the rest of a document.
      const source = block.startsWith('uses:') ? `id: example\nname: Example\nmodes: [api]\n${block}` : block;
      const result = parseWorkflow(source, 'README.md');
      expect(result.ok ? null : result.errors, block).toBeNull();
    }
  });
});
