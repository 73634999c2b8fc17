/**
 * Where the Policies page gets the visual editor: `<camfa-policy-editor>` from `console/src/policy-editor/`,
 * built apart and loaded only when a workflow is opened. `import.meta.glob` is Vite's: it finds the editor's
 * module when the folder has it and nothing when it does not, so the console builds either way and the page
 * shows "editor loading" until the editor exists. The test runner (esbuild) has no `import.meta.glob`: there
 * the editor is not loaded.
 */
function editorModules(): Record<string, () => Promise<unknown>> {
  try {
    return import.meta.glob('../../policy-editor/index.ts');
  } catch {
    return {};
  }
}

/** Resolves once `<camfa-policy-editor>` is defined; false when this build has no editor. */
export async function loadPolicyEditor(): Promise<boolean> {
  const load = Object.values(editorModules())[0];
  if (!load) return false;
  await load();
  return customElements.get('camfa-policy-editor') !== undefined;
}
