import { KNOWN_COUNTRIES, NEW_COUNTRY_RULE } from '../../../console/src/test-support/workflow-fixtures.mjs';

/**
 * The gateway tests' event-mode workflow: every request the gateway captures is judged, and one from a country
 * the user was not seen in (once there is a history) steps them up with these factors.
 */
export function newCountryWorkflow(factors: string[]) {
  return { id: 'gateway-risk', name: 'Gateway risk', modes: ['event'], statistics: [KNOWN_COUNTRIES], rules: [{ ...NEW_COUNTRY_RULE, then: { factors } }] };
}
