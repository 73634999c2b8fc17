/**
 * The Live tail's reading order over a stand-in storage whose sequence numbers have holes, as PostgreSQL's do
 * while a lower number is still uncommitted or after a rolled-back insert.
 */
import { describe, expect, it } from 'vitest';
import { manualClock } from '../test-support/fixtures.js';
import type { UebaEvent } from '../protocol/index.js';
import type { DecisionRecord } from '../storage/types.js';
import { LiveTail, formatCursor, parseCursor, type TailStorage } from './live.js';

const event = (id: string, appId = 'shop', originalIdentity = 'ann') => ({ id, appId, originalIdentity }) as UebaEvent;
const decision = (id: string, eventId: string, hit: boolean, appId = 'shop', originalIdentity = 'ann') =>
  ({ id, eventId, hit, appId, originalIdentity }) as DecisionRecord;

/** Rows by seq; tests add rows "committing" out of order. */
function fakeStorage() {
  const events = new Map<number, UebaEvent>();
  const decisions = new Map<number, DecisionRecord>();
  const after = <T>(rows: Map<number, T>, afterSeq: number, limit: number) =>
    [...rows.entries()]
      .filter(([seq]) => seq > afterSeq)
      .sort(([a], [b]) => a - b)
      .slice(0, limit);
  const storage: TailStorage = {
    tailEvents: async ({ afterSeq, limit }) => after(events, afterSeq, limit).map(([seq, item]) => ({ seq, event: item })),
    tailDecisions: async ({ afterSeq, limit }) => after(decisions, afterSeq, limit).map(([seq, item]) => ({ seq, decision: item })),
    tailHeads: async () => ({ events: Math.max(0, ...events.keys()), decisions: Math.max(0, ...decisions.keys()) }),
  };
  return { storage, events, decisions };
}

const ids = (items: Awaited<ReturnType<LiveTail['poll']>>) => items.map((item) => (item.kind === 'ueba' ? item.event.id : item.decision.id));
const hidden = new Set<string>(['camfa-console']);

describe('LiveTail', () => {
  it('starts at the heads, holds rows behind a missing seq until it commits, then sends in seq order', async () => {
    const clock = manualClock();
    const { storage, events } = fakeStorage();
    events.set(1, event('old'));
    const tail = await LiveTail.open({ storage, clock, filter: { hiddenAppIds: hidden } });
    expect(await tail.poll()).toEqual([]);

    events.set(3, event('e3'));
    expect(await tail.poll()).toEqual([]);
    clock.advance(500);
    events.set(2, event('e2'));
    expect(ids(await tail.poll())).toEqual(['e2', 'e3']);
    expect(tail.cursor).toEqual({ events: 3, decisions: 0 });
  });

  it('gives a missing seq up after gapWaitMs (a rolled-back insert) and goes on', async () => {
    const clock = manualClock();
    const { storage, events } = fakeStorage();
    const tail = await LiveTail.open({ storage, clock, filter: { hiddenAppIds: hidden }, gapWaitMs: 1000 });
    events.set(1, event('e1'));
    events.set(3, event('e3'));
    expect(ids(await tail.poll())).toEqual(['e1']);
    clock.advance(999);
    expect(await tail.poll()).toEqual([]);
    clock.advance(1);
    events.set(4, event('e4'));
    expect(ids(await tail.poll())).toEqual(['e3', 'e4']);
  });

  it('gives each item the cursor after it, which resumes exactly there', async () => {
    const clock = manualClock();
    const { storage, events, decisions } = fakeStorage();
    const tail = await LiveTail.open({ storage, clock, filter: { hiddenAppIds: hidden } });
    events.set(1, event('e1'));
    events.set(2, event('e2'));
    decisions.set(1, decision('d1', 'e1', true));
    const sent = await tail.poll();
    expect(sent.map((item) => formatCursor(item.cursor))).toEqual(['1-0', '2-0', '2-1']);
    const resumed = await LiveTail.open({ storage, clock, filter: { hiddenAppIds: hidden }, resumeFrom: parseCursor('1-0')! });
    expect(ids(await resumed.poll())).toEqual(['e2', 'd1']);
    expect(parseCursor('12')).toBeNull();
    expect(parseCursor('1-2-3')).toBeNull();
  });

  it('filters by app, user and outcome; with an outcome each decision comes after the event it judged; the hidden app never shows', async () => {
    const clock = manualClock();
    const { storage, events, decisions } = fakeStorage();
    const open = (filter: Partial<Parameters<typeof LiveTail.open>[0]['filter']>) =>
      LiveTail.open({ storage, clock, filter: { hiddenAppIds: hidden, ...filter } });
    const [all, shopHits, bob, passes] = await Promise.all([
      open({}),
      open({ appId: 'shop', outcome: 'hit' }),
      open({ originalIdentity: 'bob' }),
      open({ outcome: 'pass' }),
    ]);
    events.set(1, event('e1'));
    events.set(2, event('e2', 'crm', 'bob'));
    events.set(3, event('admin', 'camfa-console', 'erin'));
    events.set(4, event('e4'));
    decisions.set(1, decision('d1', 'e1', false));
    decisions.set(2, decision('d2', 'e2', true, 'crm', 'bob'));
    decisions.set(3, decision('d3', 'admin', true, 'camfa-console', 'erin'));
    decisions.set(4, decision('d4', 'e4', true));
    expect(ids(await all.poll())).toEqual(['e1', 'e2', 'e4', 'd1', 'd2', 'd4']);
    expect(ids(await shopHits.poll())).toEqual(['e4', 'd4']);
    expect(ids(await bob.poll())).toEqual(['e2', 'd2']);
    expect(ids(await passes.poll())).toEqual(['e1', 'd1']);
  });
});
