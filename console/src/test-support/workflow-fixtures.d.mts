import type { StatisticDocument, RuleDocument, WorkflowDocument } from '../policy-editor/model.js';

export const KNOWN_COUNTRIES: StatisticDocument;
export const NEW_COUNTRY_RULE: RuleDocument;
export const LOGIN_DOCUMENT: WorkflowDocument;
export const LOGINS_DOCUMENT: WorkflowDocument;
