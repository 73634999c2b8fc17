/**
 * The CodeMirror 6 editor behind every CEL field, imported lazily by `cel-field.ts` (CodeMirror is the editor's
 * largest dependency, and a page that only shows a graph never needs it). Tab is left to the browser so a
 * keyboard user moves on to the next field; completion opens on typing and on Ctrl-Space.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import type { Completion } from './vocabulary.js';

export interface CelEditorOptions {
  parent: HTMLElement;
  root: ShadowRoot;
  value: string;
  /** Attributes of the editable element: its accessible name, description and invalid state. */
  attributes: Record<string, string>;
  readonly: boolean;
  placeholder: string;
  completions: () => readonly Completion[];
  onChange: (value: string) => void;
}

export interface CelEditor {
  setValue(value: string): void;
  setAttributes(attributes: Record<string, string>, readonly: boolean): void;
  focus(): void;
  destroy(): void;
}

/** Names complete as a whole dotted path (`event.co` → `event.country`), since CEL reads them that way. */
function completeFrom(completions: () => readonly Completion[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/[A-Za-z_][\w.]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    return { from: word.from, options: completions().map((completion) => ({ ...completion })), validFor: /^[\w.]*$/ };
  };
}

export function createCelEditor(options: CelEditorOptions): CelEditor {
  const editable = new Compartment();
  const attributes = new Compartment();
  const settings = (next: Record<string, string>, readonly: boolean) => [EditorView.contentAttributes.of(next), EditorState.readOnly.of(readonly)];
  const view = new EditorView({
    root: options.root,
    parent: options.parent,
    state: EditorState.create({
      doc: options.value,
      extensions: [
        history(),
        closeBrackets(),
        autocompletion({ override: [completeFrom(options.completions)], activateOnTyping: true }),
        keymap.of([...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap]),
        EditorView.lineWrapping,
        placeholder(options.placeholder),
        attributes.of(settings(options.attributes, options.readonly)),
        editable.of(EditorView.editable.of(!options.readonly)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) options.onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    setValue(value) {
      if (value !== view.state.doc.toString()) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    setAttributes(next, readonly) {
      view.dispatch({ effects: [attributes.reconfigure(settings(next, readonly)), editable.reconfigure(EditorView.editable.of(!readonly))] });
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
