import { z } from 'zod';
import { readBody, readJson } from '../body.js';
import { pathIdentifier } from '../identifier.js';
import { parseQuery, type AppContext, type Guards, type Route } from '../context.js';
import * as schemas from '../schemas.js';
import { ADMIN_PATHS, APP_PATHS } from '../../protocol/index.js';

/** Running workflows (API mode), the decision audit trail, and managing workflow documents. */
export type PolicyRoutesOptions = Pick<AppContext, 'storage' | 'policies' | 'capture'>;

export function policyRoutes({ storage, policies, capture }: PolicyRoutesOptions, { requireApp, requireAppOrAdmin, appOf, scopeOf }: Guards): Route[] {
  return [
    {
      method: 'post',
      path: APP_PATHS.workflowTrigger,
      summary: 'Run an API-mode workflow (triggerWorkflow)',
      tag: 'policy',
      security: 'app',
      body: schemas.triggerBody,
      middleware: [requireApp],
      responses: { 200: { description: 'trigger is null when no MFA is needed', schema: schemas.triggerResponse } },
      handler: async (c) => {
        const app = appOf(c);
        const { metadata } = await readJson(c, schemas.triggerBody);
        const { eventId, ...input } = metadata;
        return c.json(await policies.trigger(app.id, pathIdentifier(c, 'workflowId', 64), await capture.enrich(app.id, input, eventId)));
      },
    },
    {
      method: 'get',
      path: APP_PATHS.decisions,
      summary: 'Audit trail: every policy decision with its explanation, newest first',
      tag: 'policy',
      security: 'app',
      query: schemas.listQuery,
      middleware: [requireApp],
      responses: { 200: { description: 'Decisions' } },
      handler: async (c) => c.json({ decisions: await storage.listDecisions({ appId: appOf(c).id, ...parseQuery(c, schemas.listQuery) }) }),
    },
    {
      method: 'get',
      path: ADMIN_PATHS.workflows,
      summary: 'Active workflow documents of a scope',
      tag: 'policy',
      security: 'app-or-admin',
      query: schemas.workflowScopeQuery,
      middleware: [requireAppOrAdmin],
      responses: { 200: { description: 'Workflows', schema: z.object({ workflows: z.array(schemas.workflowSummary) }) } },
      handler: (c) => c.json({ workflows: policies.list(scopeOf(c)) }),
    },
    {
      method: 'put',
      path: ADMIN_PATHS.workflow,
      summary: 'Create or replace a workflow document (YAML or JSON body); invalid documents change nothing',
      tag: 'policy',
      security: 'app-or-admin',
      query: schemas.workflowScopeQuery,
      middleware: [requireAppOrAdmin],
      responses: {
        200: { description: 'Stored as a new version', schema: schemas.workflowSummary },
        422: { description: 'Invalid document; errors name the node and field' },
      },
      handler: async (c) => c.json(await policies.put(scopeOf(c), pathIdentifier(c, 'workflowId', 64), await readBody(c))),
    },
    {
      method: 'delete',
      path: ADMIN_PATHS.workflow,
      summary: 'Deactivate a workflow',
      tag: 'policy',
      security: 'app-or-admin',
      query: schemas.workflowScopeQuery,
      middleware: [requireAppOrAdmin],
      responses: { 204: { description: 'Deactivated' } },
      handler: async (c) => {
        await policies.remove(scopeOf(c), pathIdentifier(c, 'workflowId', 64));
        return c.body(null, 204);
      },
    },
  ];
}
