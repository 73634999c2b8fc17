import type { Context } from 'hono';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CONSOLE_APP_ID } from '../../console/definition.js';
import type { AuditLog } from '../../console/audit.js';
import { DomainError } from '../../errors.js';
import { CONSOLE_PATHS } from '../../protocol/index.js';
import { simulationEventSchema, splitSimulationEvent } from '../../ueba/schema.js';
import { MAX_REPLAY_EVENTS, type WorkflowLifecycle, type WorkflowOverview, type WorkflowRef } from '../../workflows/lifecycle.js';
import type { CaptureService } from '../../ueba/capture.js';
import type { PolicyService } from '../../workflows/service.js';
import { readJson } from '../body.js';
import { HttpError } from '../errors.js';
import { parseQuery, type AppContext, type Env, type Route } from '../context.js';
import { identifier } from '../../identifier.js';
import { pathIdentifier } from '../identifier.js';
import { ifMatch } from '../preconditions.js';
import type { ConsoleGuards } from './console.js';

export interface ConsoleWorkflowRoutesOptions extends Pick<AppContext, 'apps'> {
  lifecycle: WorkflowLifecycle;
  policies: PolicyService;
  capture: CaptureService;
  audit: AuditLog;
}

/** The workflow document as the editor holds it (an object), or as a file holds it (YAML or JSON text). */
const documentBody = z.union([
  z.strictObject({ document: z.record(z.string(), z.unknown()) }),
  z.strictObject({
    source: z
      .string()
      .min(1)
      .max(256 * 1024),
  }),
]);
const scopeQuery = z.object({ app: identifier(64).min(1).optional() });
const simulateBody = z.intersection(
  documentBody,
  z.object({ event: simulationEventSchema.optional(), eventId: identifier(64).min(1).optional(), appId: identifier(64).min(1).optional() }),
);
const replayBody = z.intersection(
  documentBody,
  z.object({ appId: identifier(64).min(1).optional(), limit: z.number().int().min(1).max(MAX_REPLAY_EVENTS).default(100) }),
);

type DocumentBody = z.output<typeof documentBody>;
const sourceOf = (body: DocumentBody) => ('source' in body ? body.source : JSON.stringify(body.document, null, 2));

/** The object the editor shows for a stored text (YAML is a superset of JSON, so one parser reads both). */
function documentOf(source: string | null): unknown {
  if (source === null) return null;
  try {
    return parseYaml(source) as unknown;
  } catch {
    return null;
  }
}

/**
 * The console's workflow endpoints over `WorkflowLifecycle`: `?app=` names the scope (absent: global). Reads need
 * a console session; drafts, publishing, rollback and removal need an editor too, and each is audited with the
 * document before and after. Publishing and rollback say which version they edited (`If-Match`).
 */
export function consoleWorkflowRoutes(options: ConsoleWorkflowRoutesOptions, guards: ConsoleGuards): Route[] {
  return [...readRoutes(options, guards), ...draftRoutes(options, guards), ...publishRoutes(options, guards), ...runRoutes(options, guards)];
}

/** The scope of `?app=`, refusing an app that does not exist and the console's own (its sign-in is built in). */
function scopeResolver({ apps }: Pick<AppContext, 'apps'>) {
  const appOf = (appId: string | undefined): string | null => {
    if (appId === undefined) return null;
    if (appId === CONSOLE_APP_ID || !apps.has(appId)) throw new DomainError('unknown_app', `No app "${appId}"`);
    return appId;
  };
  const refOf = (c: Context<Env>): WorkflowRef => ({ appId: appOf(parseQuery(c, scopeQuery).app), workflowId: pathIdentifier(c, 'workflowId', 64) });
  const appIds = () => [...apps.keys()].filter((id) => id !== CONSOLE_APP_ID);
  return { appOf, refOf, appIds };
}

const tagged = { tag: 'console', security: 'console' } as const;
const workflowPath = `${CONSOLE_PATHS.workflows}/:workflowId`;

function readRoutes(options: ConsoleWorkflowRoutesOptions, { requireConsoleSession }: ConsoleGuards): Route[] {
  const { lifecycle } = options;
  const { appOf, refOf, appIds } = scopeResolver(options);
  const read = { ...tagged, method: 'get' as const, query: scopeQuery, middleware: [requireConsoleSession] };
  return [
    {
      ...read,
      path: CONSOLE_PATHS.workflows,
      summary: 'The workflows of a scope with their version in force, draft and inheritance',
      responses: { 200: { description: 'Workflows' } },
      handler: async (c) => c.json({ workflows: await lifecycle.list(appOf(parseQuery(c, scopeQuery).app), appIds()) }),
    },
    {
      ...read,
      path: workflowPath,
      summary: 'One workflow: the version in force and the draft, as text and as the document object',
      responses: { 200: { description: 'The workflow' }, 404: { description: 'No such workflow (workflow_not_found)' } },
      handler: async (c) => {
        const found = await lifecycle.get(refOf(c), appIds());
        c.header('etag', `"${found.version}"`);
        return c.json({ ...found, document: documentOf(found.source), draftDocument: documentOf(found.draftSource) });
      },
    },
    {
      ...read,
      path: `${workflowPath}/versions`,
      summary: 'Every version of a workflow, newest first',
      responses: { 200: { description: 'Versions' } },
      handler: async (c) => {
        const versions = await lifecycle.history(refOf(c));
        return c.json({
          versions: versions.map(({ version, createdAt, active, source }) => ({ version, createdAt: new Date(createdAt).toISOString(), active, source })),
        });
      },
    },
  ];
}

function draftRoutes(options: ConsoleWorkflowRoutesOptions, { requireConsoleSession, requireEditor, consoleAdmin }: ConsoleGuards): Route[] {
  const { lifecycle } = options;
  const { refOf } = scopeResolver(options);
  const change = { ...tagged, query: scopeQuery, middleware: [requireConsoleSession, requireEditor] };
  return [
    {
      ...change,
      method: 'put',
      path: `${workflowPath}/draft`,
      summary: 'Save the draft (valid or not yet); the answer lists what the parser says of it',
      body: documentBody,
      responses: { 200: { description: 'Saved, with the validation errors (empty when valid)' } },
      handler: async (c) => {
        const ref = refOf(c);
        const body = await readJson(c, documentBody);
        const { draft, errors } = await lifecycle.saveDraft(ref, { source: sourceOf(body), baseVersion: ifMatch(c, false), actor: consoleAdmin(c).name });
        return c.json({ draft: { ...draft, updatedAt: new Date(draft.updatedAt).toISOString() }, errors });
      },
    },
    {
      ...change,
      method: 'delete',
      path: `${workflowPath}/draft`,
      summary: 'Discard the draft',
      responses: { 204: { description: 'Discarded' } },
      handler: async (c) => {
        await lifecycle.discardDraft(refOf(c));
        return c.body(null, 204);
      },
    },
    {
      ...tagged,
      method: 'post',
      query: scopeQuery,
      middleware: [requireConsoleSession],
      path: `${workflowPath}/validate`,
      summary: "Check a document with the server's own parser, changing nothing",
      body: documentBody,
      responses: { 200: { description: '`ok`, and the errors naming node and field' } },
      handler: async (c) => {
        const checked = lifecycle.validate(refOf(c), sourceOf(await readJson(c, documentBody)));
        return c.json(checked.ok ? { ok: true, errors: [] } : checked);
      },
    },
  ];
}

function publishRoutes(options: ConsoleWorkflowRoutesOptions, { requireConsoleSession, requireEditor, consoleAdmin }: ConsoleGuards): Route[] {
  const { lifecycle, policies, audit } = options;
  const { refOf, appIds } = scopeResolver(options);
  const change = { ...tagged, query: scopeQuery, middleware: [requireConsoleSession, requireEditor] };
  const target = (ref: WorkflowRef) => `workflow:${ref.appId ?? 'global'}/${ref.workflowId}`;
  const answer = async (c: Context<Env>, ref: WorkflowRef): Promise<Response> => {
    const overview: WorkflowOverview = await lifecycle.get(ref, appIds());
    c.header('etag', `"${overview.version}"`);
    return c.json(overview);
  };
  return [
    {
      ...change,
      method: 'put',
      path: workflowPath,
      summary: 'Publish a document as a new version (If-Match: "<version>" it was edited from; "0" for a new workflow)',
      body: documentBody,
      responses: {
        200: { description: 'Published' },
        409: { description: 'Published by someone else meanwhile (edit_conflict); nothing overwritten' },
        422: { description: 'Invalid document (invalid_policy): errors name the node and field' },
        428: { description: 'No If-Match' },
      },
      handler: async (c) => {
        const ref = refOf(c);
        const expected = ifMatch(c, true);
        const source = sourceOf(await readJson(c, documentBody));
        const { before } = await lifecycle.publish(ref, source, expected);
        await audit.record({ actor: consoleAdmin(c).name, action: 'workflow.publish', target: target(ref), before, after: source });
        return answer(c, ref);
      },
    },
    {
      ...change,
      method: 'post',
      path: `${workflowPath}/rollback`,
      summary: "Publish an earlier version's document again, as a new version (If-Match: the version edited from)",
      body: z.strictObject({ version: z.number().int().min(1) }),
      responses: { 200: { description: 'Rolled back' }, 409: { description: 'edit_conflict' }, 428: { description: 'No If-Match' } },
      handler: async (c) => {
        const ref = refOf(c);
        const expected = ifMatch(c, true);
        const { version } = await readJson(c, z.strictObject({ version: z.number().int().min(1) }));
        const { before, after } = await lifecycle.rollback(ref, version, expected);
        await audit.record({ actor: consoleAdmin(c).name, action: 'workflow.rollback', target: target(ref), before, after });
        return answer(c, ref);
      },
    },
    {
      ...change,
      method: 'delete',
      path: workflowPath,
      summary: 'Deactivate a workflow (its history stays)',
      responses: { 204: { description: 'Deactivated' } },
      handler: async (c) => {
        const ref = refOf(c);
        const before = (await lifecycle.get(ref, [])).source;
        await policies.remove(ref.appId, ref.workflowId);
        await audit.record({ actor: consoleAdmin(c).name, action: 'workflow.deactivate', target: target(ref), before, after: null });
        return c.body(null, 204);
      },
    },
  ];
}

function runRoutes(options: ConsoleWorkflowRoutesOptions, { requireConsoleSession }: ConsoleGuards): Route[] {
  const { lifecycle, capture } = options;
  const { appOf, refOf } = scopeResolver(options);
  const run = { ...tagged, method: 'post' as const, query: scopeQuery, middleware: [requireConsoleSession] };
  /** Whose events: the workflow's app, or for a global workflow the app the caller names. */
  const eventApp = (ref: WorkflowRef, appId: string | undefined): string => {
    const app = ref.appId ?? appOf(appId);
    if (app === null) throw new DomainError('unknown_app', 'A global workflow runs against one app\'s events: name it in "appId"');
    return app;
  };
  return [
    {
      ...run,
      path: `${workflowPath}/simulate`,
      summary: 'Run a document against a typed event or a stored one, with its real history; nothing is recorded',
      body: simulateBody,
      responses: { 200: { description: 'The decision and its explanation' } },
      handler: async (c) => {
        const ref = refOf(c);
        const body = await readJson(c, simulateBody);
        const appId = eventApp(ref, body.appId);
        if (body.eventId !== undefined) {
          const stored = await lifecycle.storedEvent(appId, body.eventId);
          return c.json(await lifecycle.simulate(ref, sourceOf(body), stored, stored.requestDate));
        }
        if (!body.event) throw new HttpError(400, 'invalid_request', 'Send an "event" to simulate, or the "eventId" of a stored one');
        const { input, overrides } = splitSimulationEvent(body.event);
        return c.json(await lifecycle.simulate(ref, sourceOf(body), { ...(await capture.enrich(appId, input)), ...overrides }));
      },
    },
    {
      ...run,
      path: `${workflowPath}/replay`,
      summary: "Judge the app's newest events with a document and with the version in force: which decisions would change",
      body: replayBody,
      responses: { 200: { description: 'How many changed, and which' } },
      handler: async (c) => {
        const ref = refOf(c);
        const body = await readJson(c, replayBody);
        return c.json(await lifecycle.replay(ref, sourceOf(body), { appId: eventApp(ref, body.appId), limit: body.limit }));
      },
    },
  ];
}
