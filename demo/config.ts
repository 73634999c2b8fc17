import { randomBytes } from 'node:crypto';
import type { ConfigInput } from '../server-mock/src/config/schema.js';

/**
 * The backend config the demo runs with: one app for the demo's origin, the seed's login-risk workflow
 * (API mode, asked at every sign-in) and an event-mode workflow that watches what a signed-in user does
 * (continuous MFA). The login workflow is not in event mode here: the demo reports a sign-in only once it
 * has passed (after the step-up when there was one), and an event-mode copy of the same rule would lock the
 * user again for the very risk they just cleared.
 */
export function demoBackendConfig(options: { demoOrigins: string[]; appSecret?: string }): ConfigInput {
  return {
    dev: true,
    adminToken: randomBytes(24).toString('base64url'),
    failMode: 'open',
    intranetCidrs: ['10.0.0.0/8', '192.168.0.0/16'],
    apps: [
      {
        id: 'demo',
        name: 'Northwind Bank',
        secret: options.appSecret ?? randomBytes(24).toString('base64url'),
        origins: options.demoOrigins,
      },
    ],
    policies: {
      documents: [
        {
          document: {
            id: 'login',
            name: 'Login risk',
            modes: ['api'],
            // Every factor the kit has, so the demo shows them all: a user's first passkey or face can be set up
            // in a step-up (the first-factor rule), e-mail and SMS reach the dev outbox.
            uses: [{ template: 'unusual-country', params: { factors: ['totp', 'sms', 'email', 'webauthn', 'face'] } }, { template: 'ip-failures' }],
          },
        },
        {
          document: {
            id: 'session-risk',
            name: 'Session used from an unusual country',
            description: 'A signed-in user acts from a country none of their recent sign-ins came from: lock the session until they prove it is them.',
            modes: ['event'],
            match: "event.behaviorType != 'login'",
            statistics: [
              {
                id: 'known',
                description: "countries of the user's last 10 successful sign-ins",
                filter: [
                  { field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } },
                  { field: 'behaviorType', op: 'eq', value: 'login' },
                  { field: 'behaviorResult', op: 'eq', value: 'success' },
                ],
                window: { last: 10 },
                op: 'values',
                field: 'country',
                scope: 'app',
              },
            ],
            rules: [
              {
                id: 'session-from-new-country',
                when: 'event.country != null && size(stats.known) > 0 && !(event.country in stats.known)',
                then: {
                  factors: ['email', 'sms', 'totp', 'webauthn', 'face'],
                  message: 'Your session was just used from {{event.country}}. Confirm it is you to carry on.',
                },
              },
            ],
          },
        },
      ],
    },
  };
}
