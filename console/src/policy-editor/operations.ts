/**
 * What the graph and the outline ask of the document, as data: both views send the same operations, so a
 * keyboard user in the outline and a pointer user in the graph make identical documents.
 */
import {
  addRule,
  addStatistic,
  addUse,
  connect,
  moveNode,
  nodeKey,
  parseNodeKey,
  removeNode,
  updateNode,
  type NodeRef,
  type WorkflowDocument,
} from './model.js';

export type EditorOperation =
  | { op: 'select'; ref: NodeRef }
  | { op: 'add'; kind: 'statistic' | 'rule' }
  | { op: 'add-template'; template: string; params?: Record<string, unknown> }
  | { op: 'remove'; ref: NodeRef }
  | { op: 'move'; ref: NodeRef; offset: number }
  | { op: 'connect'; from: NodeRef; to: NodeRef }
  | { op: 'edit'; ref: NodeRef; path: readonly (string | number)[]; value: unknown };

export interface OperationResult {
  document: WorkflowDocument;
  /** The node to select afterwards (the new one, the moved one); null to keep the selection. */
  select: NodeRef | null;
}

export function applyOperation(document: WorkflowDocument, operation: EditorOperation): OperationResult {
  switch (operation.op) {
    case 'select':
      return { document, select: operation.ref };
    case 'add': {
      const added = operation.kind === 'statistic' ? addStatistic(document) : addRule(document);
      return { document: added.document, select: added.ref };
    }
    case 'add-template': {
      const added = addUse(document, operation.template, operation.params);
      return { document: added.document, select: added.ref };
    }
    case 'remove':
      return { document: removeNode(document, operation.ref), select: { kind: 'workflow' } };
    case 'move': {
      const moved = moveNode(document, operation.ref, operation.offset);
      return { document: moved.document, select: moved.ref };
    }
    case 'connect':
      return { document: connect(document, operation.from, operation.to), select: operation.to };
    case 'edit':
      return { document: updateNode(document, operation.ref, operation.path, operation.value), select: null };
  }
}

/** The selection after a document change: the same node if it still exists, else the workflow's input. */
export function keepSelection(document: WorkflowDocument, key: string): string {
  const ref = parseNodeKey(key);
  if (!ref || ref.kind === 'workflow') return 'workflow';
  const list = ref.kind === 'statistic' ? document.statistics : ref.kind === 'use' ? document.uses : document.rules;
  return (list ?? []).length > ref.index ? nodeKey(ref) : 'workflow';
}
