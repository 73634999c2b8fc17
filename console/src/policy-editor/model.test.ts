import { expect } from 'chai';
import { diffLines } from './diff.js';
import { edgeTaken, traceNodes } from './explanation.js';
import { toGraph } from './graph.js';
import { layoutGraph } from './layout.js';
import { addRule, addStatistic, connect, emptyDocument, moveNode, updateNode, type WorkflowDocument } from './model.js';
import { applyOperation } from './operations.js';
import { errorsByNode, locateError } from './paths.js';
import { LOGINS_DOCUMENT } from '../test-support/workflow-fixtures.mjs';
import { explain, parse, serverErrors } from './test-support.js';

const base: WorkflowDocument = LOGINS_DOCUMENT;

describe('policy editor model', () => {
  it('connecting a statistic to a rule adds a condition on it that the parser accepts', () => {
    let document = addStatistic(emptyDocument()).document;
    document = addRule(document).document;
    const connected = connect(document, { kind: 'statistic', index: 0 }, { kind: 'rule', index: 0 });
    expect(connected.rules![0]!.when).to.equal('stats.statistic > 0');
    expect(parse(connected).ok).to.equal(true);
    // A second connection is no change: the rule already depends on the statistic.
    expect(connect(connected, { kind: 'statistic', index: 0 }, { kind: 'rule', index: 0 })).to.equal(connected);
    expect(toGraph(connected).edges).to.deep.include({ from: 'statistic:0', to: 'rule:0' });
  });

  it('renaming a statistic carries the new id into the rules that name it, and the original is untouched', () => {
    const renamed = updateNode(base, { kind: 'statistic', index: 0 }, ['id'], 'countries');
    expect(renamed.rules![0]!.when).to.equal('size(stats.countries) > 0 && !(event.country in stats.countries)');
    expect(base.rules![0]!.when).to.contain('stats.known');
    expect(parse(renamed).ok).to.equal(true);
  });

  it('moves rules within their list, which changes which fires first', () => {
    const { document, ref } = moveNode(base, { kind: 'rule', index: 1 }, -1);
    expect(document.rules!.map((rule) => rule.id)).to.deep.equal(['payroll', 'new-country']);
    expect(ref).to.deep.equal({ kind: 'rule', index: 0 });
    expect(moveNode(base, { kind: 'rule', index: 0 }, -1).document).to.equal(base);
  });

  it('inserts a template in one operation, with a working example for required parameters', () => {
    const once = applyOperation(base, { op: 'add-template', template: 'unusual-country' }).document;
    const twice = applyOperation(once, { op: 'add-template', template: 'unusual-country' }).document;
    expect(twice.uses).to.deep.equal([{ template: 'unusual-country' }, { template: 'unusual-country', id: 'unusual-country-2' }]);
    expect(parse(twice).ok).to.equal(true);
  });

  it('maps every server error to the node and field it names, by id or by index', () => {
    // The parser reports shape errors first and stops; references and CEL are checked on a well-shaped document.
    const misshapen: WorkflowDocument = {
      ...base,
      statistics: [{ ...base.statistics![0]!, window: { duration: 'forever' } }],
      rules: [{ ...base.rules![0]!, then: { factors: ['totp', 'totp'] } }, base.rules![1]!],
    };
    const shape = errorsByNode(misshapen, serverErrors(misshapen));
    expect(shape.get('statistic:0')?.map((error) => error.field)).to.deep.equal(['window.duration']);
    expect(shape.get('return:0')?.map((error) => error.field)).to.deep.equal(['then.factors']);

    const wrong: WorkflowDocument = {
      ...base,
      rules: [
        { ...base.rules![0]!, when: { all: ['size(stats.known) > 0', 'event.country +'] }, then: { factors: ['totp'], message: '{{stats.nope}}' } },
        base.rules![1]!,
      ],
      uses: [{ template: 'ip-failures', params: { threshold: 0 } }],
    };
    const checked = errorsByNode(wrong, serverErrors(wrong));
    expect(checked.get('rule:0')?.map((error) => error.field)).to.deep.equal(['when.all[1]']);
    expect(checked.get('return:0')?.map((error) => error.field)).to.deep.equal(['then.message']);
    expect(checked.get('use:0')?.map((error) => error.field)).to.deep.equal(['params.threshold']);
    // Two rules with one id: the parser names them by index, and the index still finds the node.
    expect(locateError(wrong, { node: 'rules[1].when', field: 'expression', message: 'x' })).to.deep.equal({ key: 'rule:1', field: 'when', message: 'x' });
  });

  it('lights the path of a decision: the statistic, the rule that fired and its return; later rules not evaluated', () => {
    const explanation = explain(base, { country: 'FR' }, { known: ['CN', 'JP'] });
    const traces = traceNodes(base, explanation);
    expect(traces.get('statistic:0')).to.include({ state: 'taken' });
    expect(traces.get('statistic:0')!.values).to.deep.equal([{ name: 'known', value: ['CN', 'JP'], note: null }]);
    expect(['rule:0', 'return:0', 'rule:1', 'return:1'].map((key) => traces.get(key)!.state)).to.deep.equal(['taken', 'taken', 'skipped', 'skipped']);
    expect(edgeTaken(traces, 'statistic:0', 'rule:0')).to.equal(true);
    expect(edgeTaken(traces, 'workflow', 'rule:1')).to.equal(false);

    const known = traceNodes(base, explain(base, { country: 'CN', resourcesType: 'payroll' }, { known: ['CN'] }));
    expect(['rule:0', 'return:0', 'rule:1', 'return:1'].map((key) => known.get(key)!.state)).to.deep.equal(['passed', 'skipped', 'taken', 'taken']);
  });

  it('lays the graph out left to right in evaluation order', () => {
    const positions = layoutGraph(toGraph(base));
    expect(positions.get('workflow')!.x).to.be.below(positions.get('statistic:0')!.x);
    expect(positions.get('statistic:0')!.x).to.be.below(positions.get('rule:0')!.x);
    expect(positions.get('rule:0')!.x).to.be.below(positions.get('return:0')!.x);
  });

  it('diffs two documents line by line', () => {
    expect(diffLines('a\nb\nc', 'a\nc\nd')).to.deep.equal([
      { change: 'same', text: 'a' },
      { change: 'removed', text: 'b' },
      { change: 'same', text: 'c' },
      { change: 'added', text: 'd' },
    ]);
  });
});
