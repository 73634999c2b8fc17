/**
 * Browser entry of camfa-guard. The web components, `Guard`, `GuardFactory` and `MetadataClient` land with
 * the web-components issue; until then this entry only exposes the shared data types.
 */
export type { FactorType, MfaFactorOffer, MfaTriggerData, MfaEvent, UserMfaStatus } from '../server-mock/src/types.js';
