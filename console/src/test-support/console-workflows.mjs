// The workflow, simulation, events and Live routes of console-server.mjs, answering as the real console routes
// do (server-mock/src/http/routes/console-workflows.ts over workflows/lifecycle.ts): drafts saved valid or not
// with the parser's errors, publishing under If-Match (428 without, 409 edit_conflict with currentVersion, 422
// invalid_policy with errors), history newest first, rollback as a new version, simulate and replay.
// Its "parser" knows two mistakes, enough to put an error on a node: no `name` (document.name) and a rule whose
// `when` is empty (rules[<id>].when). Its "engine" fires the first rule when the event's country is not one
// the statistic `known` has seen (GB). The Live stream sends what a test pushes: POST …/live/push { type, data }.

import { LOGIN_DOCUMENT } from './workflow-fixtures.mjs';

const KNOWN_COUNTRIES = ['GB'];

const text = (document) => JSON.stringify(document, null, 2);

function version(number, document, active, createdAt = '2026-01-0' + number + 'T00:00:00.000Z') {
  return { version: number, createdAt, active, source: text(document) };
}

/** Global `login` and `session-risk`; app shop has its own `login` (versions 4 and 5), overriding the global one. */
export function freshWorkflows() {
  const globalLogin = { ...LOGIN_DOCUMENT, name: 'Login risk' };
  const sessionRisk = { id: 'session-risk', name: 'Session risk', modes: ['event'], rules: [] };
  const shopOld = { ...LOGIN_DOCUMENT, rules: [] };
  return [
    { id: 'login', app: null, versions: [version(2, globalLogin, true), version(1, { ...globalLogin, rules: [] }, false)], draft: null },
    { id: 'session-risk', app: null, versions: [version(1, sessionRisk, true)], draft: null },
    { id: 'login', app: 'shop', versions: [version(5, LOGIN_DOCUMENT, true), version(4, shopOld, false)], draft: null },
  ];
}

export function freshEvents() {
  const event = (id, originalIdentity, country, city, minutes) => ({
    id,
    appId: 'shop',
    requestDate: Date.parse('2026-01-05T10:00:00Z') + minutes * 60_000,
    originalIdentity,
    ip: country === 'GB' ? '81.2.69.142' : '203.0.113.9',
    country,
    province: null,
    city,
    latitude: null,
    longitude: null,
    intranet: false,
    trustedDevice: false,
    ua: 'Mozilla/5.0',
    deviceType: 'desktop',
    systemType: 'Linux',
    browserType: 'Chrome',
    behaviorType: 'login',
    behaviorResult: 'success',
    resourcesType: null,
    actionType: null,
    loginType: 'password',
    deviceId: null,
    custom: {},
  });
  return [event('e3', 'bob', 'FR', 'Paris', 3), event('e2', 'alice', 'GB', 'London', 2), event('e1', 'alice', 'GB', 'London', 1)];
}

function parseInput(body) {
  if (body && typeof body.document === 'object' && body.document !== null) return { document: body.document, source: text(body.document) };
  if (body && typeof body.source === 'string') {
    try {
      return { document: JSON.parse(body.source), source: body.source };
    } catch {
      return { document: null, source: body.source };
    }
  }
  return undefined;
}

function check(id, document) {
  if (document === null || typeof document !== 'object') return [{ document: id, node: 'document', field: '(document)', message: 'not a mapping' }];
  const errors = [];
  if (typeof document.name !== 'string' || document.name === '') errors.push({ document: id, node: 'document', field: 'name', message: 'name: required' });
  for (const rule of document.rules ?? []) {
    if (rule.when === '') errors.push({ document: id, node: `rules[${rule.id}].when`, field: 'expression', message: 'the condition is empty' });
  }
  return errors;
}

function overview(state, workflow) {
  const inForce = workflow.versions.find((candidate) => candidate.active);
  const document = parseInput({ source: inForce?.source ?? workflow.draft?.source ?? '' })?.document ?? null;
  const sameId = state.workflows.filter((other) => other.id === workflow.id && other !== workflow && other.versions.some((candidate) => candidate.active));
  return {
    id: workflow.id,
    app: workflow.app,
    name: document?.name ?? null,
    modes: document?.modes ?? [],
    version: workflow.versions[0]?.version ?? 0,
    activeVersion: inForce?.version ?? null,
    draft: workflow.draft && { baseVersion: workflow.draft.baseVersion, updatedAt: workflow.draft.updatedAt, updatedBy: workflow.draft.updatedBy },
    overrides: workflow.app !== null && sameId.some((other) => other.app === null),
    overriddenBy: workflow.app === null ? sameId.map((other) => other.app) : [],
  };
}

function detail(state, workflow) {
  const active = workflow.versions.find((candidate) => candidate.active)?.source ?? null;
  const draft = workflow.draft?.source ?? null;
  const parsed = (source) => (source === null ? null : (parseInput({ source })?.document ?? null));
  return { ...overview(state, workflow), source: active, document: parsed(active), draftSource: draft, draftDocument: parsed(draft) };
}

function publish(ctx, reply, state, workflow, source, document) {
  const ifMatch = ctx.get('if-match');
  if (!ifMatch) return reply.problem(428, 'if_match_required');
  const current = workflow.versions[0]?.version ?? 0;
  if (ifMatch !== `"${current}"`) return reply.problem(409, 'edit_conflict', 'published meanwhile', { currentVersion: current });
  const errors = check(workflow.id, document);
  if (errors.length > 0) return reply.problem(422, 'invalid_policy', 'invalid', { errors });
  for (const candidate of workflow.versions) candidate.active = false;
  workflow.versions.unshift({ version: current + 1, createdAt: new Date().toISOString(), active: true, source });
  workflow.draft = null;
  if (!state.workflows.includes(workflow)) state.workflows.push(workflow);
  return reply.json(200, overview(state, workflow));
}

/** The fake engine's decision and an explanation in the engine's shape (server-mock/src/policy/decision.ts). */
function judge(document, event) {
  const statistics = (document.statistics ?? []).map((statistic) => ({ id: statistic.id, description: statistic.id, value: KNOWN_COUNTRIES, note: null }));
  const rules = [];
  let fired = null;
  for (const rule of document.rules ?? []) {
    if (fired) break;
    const result = event.country !== null && event.country !== undefined && !KNOWN_COUNTRIES.includes(event.country);
    rules.push({ id: rule.id, template: null, description: null, result, condition: { expression: rule.when, result }, error: null });
    if (result) fired = rule;
  }
  const explanation = {
    workflowId: document.id,
    workflowName: document.name,
    now: Date.now(),
    params: {},
    paramProblems: [],
    match: { expression: null, applied: true, error: null },
    statistics,
    rules,
    firedRule: fired?.id ?? null,
    notEvaluated: (document.rules ?? []).slice(rules.length).map((rule) => rule.id),
    error: null,
  };
  const factors = fired?.then?.factors ?? [];
  return { hit: fired !== null, ruleId: fired?.id ?? null, message: fired ? 'New country' : '', factors, acr: fired ? 'mfa' : 'none', explanation };
}

function simulate(reply, state, workflow, input, body) {
  const appId = workflow.app ?? body.appId;
  if (!appId) return reply.problem(400, 'invalid_request', 'appId: required for a global workflow');
  const stored = body.eventId ? state.events.find((candidate) => candidate.id === body.eventId) : undefined;
  if (body.eventId && !stored) return reply.problem(404, 'event_not_found');
  if (!stored && typeof body.event?.originalIdentity !== 'string') return reply.problem(400, 'invalid_request', 'event.originalIdentity: required');
  const event = stored ?? { ...body.event, id: 'typed', appId, requestDate: Date.now() };
  return reply.json(200, { event, decision: judge(input.document, event) });
}

function replay(reply, state, workflow, input, body) {
  const appId = workflow.app ?? body.appId;
  if (!appId) return reply.problem(400, 'invalid_request', 'appId: required for a global workflow');
  const inForce = workflow.versions.find((candidate) => candidate.active);
  const current = inForce ? JSON.parse(inForce.source) : null;
  const events = state.events.filter((event) => event.appId === appId).slice(0, body.limit ?? 100);
  const changes = [];
  for (const event of events) {
    const after = judge(input.document, event);
    const before = current && judge(current, event);
    if (before ? before.hit === after.hit && before.ruleId === after.ruleId : !after.hit) continue;
    const outcome = (decision) => ({ hit: decision.hit, ruleId: decision.ruleId });
    changes.push({
      eventId: event.id,
      originalIdentity: event.originalIdentity,
      requestDate: new Date(event.requestDate).toISOString(),
      before: before && outcome(before),
      after: outcome(after),
    });
  }
  return reply.json(200, { total: events.length, changed: changes.length, changes });
}

function find(state, app, id, create) {
  const found = state.workflows.find((candidate) => candidate.id === id && candidate.app === app);
  return found ?? (create ? { id, app, versions: [], draft: null } : undefined);
}

/** `/workflows[/:id[/:action]]?app=` */
export async function workflowsRoute(ctx, reply, state, [id, action]) {
  const app = ctx.query.app ?? null;
  if (!id) return reply.json(200, { workflows: state.workflows.filter((workflow) => workflow.app === app).map((workflow) => overview(state, workflow)) });
  const creating = ctx.method === 'PUT';
  const workflow = find(state, app, id, creating);
  if (!workflow || (!creating && workflow.versions.length === 0 && !workflow.draft)) return reply.problem(404, 'workflow_not_found');
  if (ctx.method === 'GET' && !action) return reply.json(200, { ...detail(state, workflow) });
  if (ctx.method === 'GET' && action === 'versions') return reply.json(200, { versions: workflow.versions });
  if (ctx.method === 'DELETE' && action === 'draft') {
    if (!workflow.draft) return reply.problem(404, 'workflow_not_found');
    workflow.draft = null;
    return reply.empty();
  }
  const body = await reply.body();
  const input = action === 'rollback' ? undefined : parseInput(body);
  if (action !== 'rollback' && !input) return reply.problem(400, 'invalid_request', 'document or source: required');
  if (action === 'draft') {
    workflow.draft = { source: input.source, baseVersion: workflow.versions[0]?.version ?? 0, updatedAt: new Date().toISOString(), updatedBy: 'ada' };
    if (!state.workflows.includes(workflow)) state.workflows.push(workflow);
    return reply.json(200, { draft: overview(state, workflow).draft, errors: check(id, input.document) });
  }
  if (action === 'validate') {
    const errors = check(id, input.document);
    return reply.json(200, { ok: errors.length === 0, errors });
  }
  if (action === 'rollback') {
    const target = workflow.versions.find((candidate) => candidate.version === body?.version);
    if (!target) return reply.problem(404, 'workflow_not_found');
    return publish(ctx, reply, state, workflow, target.source, JSON.parse(target.source));
  }
  const errors = check(id, input.document);
  if ((action === 'simulate' || action === 'replay') && errors.length > 0) return reply.problem(422, 'invalid_policy', 'invalid', { errors });
  if (action === 'simulate') return simulate(reply, state, workflow, input, body);
  if (action === 'replay') return replay(reply, state, workflow, input, body);
  if (ctx.method === 'PUT' && !action) return publish(ctx, reply, state, workflow, input.source, input.document);
  return reply.problem(404, 'not_found');
}

/** `GET /apps/:id/events?limit=` */
export function eventsRoute(ctx, reply, state, appId) {
  const limit = Number(ctx.query.limit ?? 50);
  return reply.json(200, { events: state.events.filter((event) => event.appId === appId).slice(0, limit) });
}

const sse = (type, data) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

function passes(filters, type, data) {
  if (filters.app && data.appId !== filters.app) return false;
  if (filters.user && data.originalIdentity !== filters.user) return false;
  if (filters.outcome && (type !== 'decision' || data.hit !== (filters.outcome === 'hit'))) return false;
  return true;
}

/** `GET /live?app=&user=&outcome=`: an SSE stream that stays open and carries what `POST …/live/push` sends. */
export async function liveRoute(ctx, state) {
  const { PassThrough } = await import('node:stream');
  const stream = new PassThrough();
  const filters = { app: ctx.query.app, user: ctx.query.user, outcome: ctx.query.outcome };
  const listener = { filters, send: (type, data) => passes(filters, type, data) && stream.write(sse(type, data)) };
  state.live.add(listener);
  ctx.req.on('close', () => {
    state.live.delete(listener);
    stream.end();
  });
  ctx.set('cache-control', 'no-store');
  ctx.type = 'text/event-stream';
  ctx.status = 200;
  ctx.body = stream;
  stream.write(': connected\n\n');
}

/**
 * `POST /__console/<key>/live/push` { type, data }: to every open stream whose filters let it through.
 * `GET` only answers how many streams are open.
 */
export async function pushLive(ctx, reply, state) {
  if (ctx.method === 'GET') return reply.json(200, { listeners: state.live.size });
  const { type, data } = await reply.body();
  for (const listener of state.live) listener.send(type, data);
  return reply.json(200, { listeners: state.live.size });
}
