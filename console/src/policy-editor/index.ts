/**
 * The console's policy-workflow editor: `<camfa-policy-editor>` and the pure document functions behind it.
 * Importing this registers the element (the console is an app, not a library: it has one registration point).
 */
import type { WorkflowDocument } from './model.js';
import { PolicyEditor } from './policy-editor.js';

export { PolicyEditor, type EditorView } from './policy-editor.js';
export { emptyDocument, type WorkflowDocument } from './model.js';
export { applyOperation } from './operations.js';
export { TEMPLATE_CATALOG } from './vocabulary.js';
export type { ValidationError } from './paths.js';
export type { Explanation } from '../../../server-mock/src/policy/decision.js';

if (!customElements.get('camfa-policy-editor')) customElements.define('camfa-policy-editor', PolicyEditor);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-policy-editor': PolicyEditor;
  }
  interface GlobalEventHandlersEventMap {
    'camfa-policy-change': CustomEvent<WorkflowDocument>;
    'camfa-policy-validate-request': CustomEvent<{ document: WorkflowDocument }>;
  }
}
