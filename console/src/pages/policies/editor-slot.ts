/**
 * Where the Policies and Simulate pages get the visual editor: `<camfa-policy-editor>` from
 * `console/src/policy-editor/`, a chunk of its own (graph, layout, CodeMirror, YAML) loaded only when a
 * workflow is opened, so the console's first page does not wait for it.
 */
import type * as PolicyEditorExports from '../../policy-editor/index.js';

export type PolicyEditorModule = typeof PolicyEditorExports;

let loading: Promise<PolicyEditorModule> | undefined;

/** Resolves once `<camfa-policy-editor>` is defined, with the editor's document helpers (templates, an empty document). */
export function loadPolicyEditor(): Promise<PolicyEditorModule> {
  loading ??= import('../../policy-editor/index.js').catch((error: unknown) => {
    // A failed load (a network blip) may be retried by opening the workflow again.
    loading = undefined;
    throw error;
  });
  return loading;
}
