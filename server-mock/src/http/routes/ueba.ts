import { uebaEventInputSchema } from '../../ueba/schema.js';
import { readJson } from '../body.js';
import { parseQuery, type AppContext, type Guards, type Route } from '../context.js';
import * as schemas from '../schemas.js';
import { APP_PATHS } from '../../protocol/index.js';

/** Capturing behaviour and reading a user's MFA status: the business backend's side of the seed. */
export type UebaRoutesOptions = Pick<AppContext, 'storage' | 'capture' | 'mfa' | 'logger'>;

export function uebaRoutes({ storage, capture, mfa, logger }: UebaRoutesOptions, { requireApp, appOf }: Guards): Route[] {
  return [
    {
      method: 'post',
      path: APP_PATHS.uebaEvents,
      summary: 'Capture a UEBA event (durable before the answer); runs event-mode workflows',
      tag: 'ueba',
      security: 'app',
      body: uebaEventInputSchema,
      middleware: [requireApp],
      responses: { 201: { description: 'Stored; MFA events it published', schema: schemas.captureResponse } },
      handler: async (c) => {
        const { event, published } = await capture.capture({ appId: appOf(c).id, input: await readJson(c, uebaEventInputSchema) });
        return c.json({ id: event.id, published }, 201);
      },
    },
    {
      method: 'get',
      path: APP_PATHS.uebaEvents,
      summary: 'Stored events of this app, newest first',
      tag: 'ueba',
      security: 'app',
      query: schemas.listQuery,
      middleware: [requireApp],
      responses: { 200: { description: 'Events' } },
      handler: async (c) => c.json({ events: await storage.listEvents({ appId: appOf(c).id, ...parseQuery(c, schemas.listQuery) }) }),
    },
    {
      method: 'post',
      path: APP_PATHS.mfaStatus,
      summary: "A user's MFA status (checkUserStatus)",
      tag: 'mfa',
      security: 'app',
      body: schemas.originalIdentityBody,
      middleware: [requireApp],
      responses: { 200: { description: 'mfaVerified is false while a step-up is pending', schema: schemas.statusResponse } },
      handler: async (c) => {
        const { originalIdentity } = await readJson(c, schemas.originalIdentityBody);
        return c.json(await mfa.status(appOf(c).id, originalIdentity));
      },
    },
    {
      method: 'post',
      path: APP_PATHS.mfaStatusClear,
      summary: "Clear a user's pending step-up (administrative)",
      tag: 'mfa',
      security: 'app',
      body: schemas.originalIdentityBody,
      middleware: [requireApp],
      responses: { 200: { description: 'Cleared', schema: schemas.statusResponse } },
      handler: async (c) => {
        const { originalIdentity } = await readJson(c, schemas.originalIdentityBody);
        const app = appOf(c);
        if (await mfa.resolve(app.id, originalIdentity)) logger.info({ appId: app.id, originalIdentity }, 'pending step-up cleared by the app');
        return c.json({ mfaVerified: true });
      },
    },
  ];
}
