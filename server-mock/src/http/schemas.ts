import { z } from 'zod';
import { FACTOR_TYPES } from '../protocol/index.js';
import { triggerMetadataSchema } from '../ueba/schema.js';
import { identifier, originalIdentity } from '../identifier.js';

/** Request and response shapes of the HTTP API; the OpenAPI document is generated from them. */

export const originalIdentityBody = z.strictObject({ originalIdentity });

export const triggerBody = z.strictObject({
  metadata: triggerMetadataSchema,
});

export const subscriptionBody = z.strictObject({
  originalIdentity,
  ttlSeconds: z.number().int().min(30).max(86_400).optional(),
});

export const listQuery = z.object({
  originalIdentity: originalIdentity.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const streamQuery = z.object({
  topic: z.literal('security.mfa').default('security.mfa'),
  originalIdentity: originalIdentity.optional(),
  format: z.enum(['json', 'set']).default('json'),
  access_token: z.string().max(4096).optional(),
  lastEventId: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
});

export const workflowScopeQuery = z.object({
  /** With the admin token: which app's workflow (absent = global). With app credentials it is always the caller's app. */
  app: identifier(64).optional(),
});

const triggerData = z.object({
  stateToken: z.string(),
  originalIdentity: z.string(),
  factors: z.array(z.object({ type: z.enum(FACTOR_TYPES), enrolled: z.boolean() })),
  reason: z.object({ ruleId: z.string(), message: z.string(), messages: z.record(z.string(), z.string()).optional() }),
  acr: z.string(),
  expiresAt: z.string(),
  host: z.string(),
  appId: z.string(),
});

export const mfaEventSchema = z.object({
  id: z.string(),
  type: z.enum(['security.mfa', 'security.mfa.resolved']),
  appId: z.string(),
  originalIdentity: z.string(),
  publishedAt: z.string(),
  trigger: triggerData.optional(),
});

export const captureResponse = z.object({ id: z.string(), published: z.array(mfaEventSchema) });
export const statusResponse = z.object({ mfaVerified: z.boolean(), pending: triggerData.optional() });
export const triggerResponse = z.object({ trigger: triggerData.nullable(), decisionId: z.string() });
export const subscriptionResponse = z.object({ token: z.string(), expiresAt: z.string() });
export const workflowSummary = z.object({
  id: z.string(),
  app: z.string().nullable(),
  version: z.number(),
  name: z.string(),
  modes: z.array(z.enum(['api', 'event'])),
});
