// The "new country" workflow every console test starts from, in one place: the editor's unit tests check what
// they build against it, and console-workflows.mjs serves it as the shop's published login workflow.

/** The user's last 10 countries. */
export const KNOWN_COUNTRIES = {
  id: 'known',
  filter: [{ field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } }],
  window: { last: 10 },
  op: 'values',
  field: 'country',
};

/** Steps up an event from a country the user has not been seen in, once there is a history. */
export const NEW_COUNTRY_RULE = { id: 'new-country', when: 'size(stats.known) > 0 && !(event.country in stats.known)', then: { factors: ['totp', 'sms'] } };

export const LOGIN_DOCUMENT = { id: 'login', name: 'Shop login', modes: ['api'], statistics: [KNOWN_COUNTRIES], rules: [NEW_COUNTRY_RULE] };

/** The same with a second rule, for tests that reorder, rename or trace more than one rule. */
export const LOGINS_DOCUMENT = {
  ...LOGIN_DOCUMENT,
  id: 'logins',
  name: 'Logins',
  rules: [NEW_COUNTRY_RULE, { id: 'payroll', when: "event.resourcesType == 'payroll'", then: { factors: ['totp'] } }],
};
