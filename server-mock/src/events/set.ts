import { SignJWT } from 'jose';
import { SIGNING_ALG, type KeyStore } from '../tokens/keys.js';
import type { MfaEvent } from '../protocol/index.js';

/** RFC 8417 Security Event Token header type. */
export const SET_TYPE = 'secevent+jwt';
export const CAEP_RISK_LEVEL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';

/**
 * An MFA event as a CAEP `risk-level-change` SET, so standard SSF receivers can consume it: a step-up
 * raises the user's risk to HIGH, a verified factor brings it back to LOW. The stateToken is left out:
 * a SET goes to receivers that are not the user's browser.
 */
export async function toSecurityEventToken(event: MfaEvent, keys: KeyStore, issuer: string): Promise<string> {
  const raised = event.type === 'security.mfa';
  const key = await keys.current();
  const eventTimestamp = Math.floor(Date.parse(event.publishedAt) / 1000);
  return new SignJWT({
    txn: event.trigger?.stateToken.split('.')[0],
    sub_id: { format: 'opaque', id: event.originalIdentity },
    events: {
      [CAEP_RISK_LEVEL_CHANGE]: {
        principal: 'USER',
        current_level: raised ? 'HIGH' : 'LOW',
        previous_level: raised ? 'LOW' : 'HIGH',
        risk_reason: raised ? (event.trigger?.reason.message ?? 'step-up required') : 'step-up completed',
        event_timestamp: eventTimestamp,
      },
    },
  })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: SET_TYPE, kid: key.kid })
    .setIssuer(issuer)
    .setAudience(event.appId)
    .setIssuedAt(eventTimestamp)
    .setJti(`${event.appId}:${event.id}`)
    .sign(key.privateKey);
}
