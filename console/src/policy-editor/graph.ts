/**
 * The document as a graph, the way the engine runs it: the workflow's input (its `match` filter) feeds the
 * window statistics, statistics feed the rules (judgments) that name them, each rule ends in its return
 * value, and template uses hang off the input with their statistics inside them. Edges are derived from
 * the document, never stored: the document has no place for them, and a derived edge cannot go stale.
 */
import { nodeKey, nodeLabel, nodesOf, ruleReferences, rulesOf, statisticsOf, type NodeKind, type NodeRef, type WorkflowDocument } from './model.js';

/** Every node's box in the graph view; the layout spaces them by it. */
export const NODE_SIZE = { width: 184, height: 64 } as const;

export interface GraphNode {
  key: string;
  ref: NodeRef;
  kind: NodeKind;
  label: string;
}

export interface GraphEdge {
  from: string;
  to: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function toGraph(document: WorkflowDocument): Graph {
  const nodes = nodesOf(document).map((ref) => ({ key: nodeKey(ref), ref, kind: ref.kind, label: nodeLabel(document, ref) }));
  const edges: GraphEdge[] = [];
  const statistics = statisticsOf(document);
  statistics.forEach((_, index) => edges.push({ from: 'workflow', to: nodeKey({ kind: 'statistic', index }) }));
  rulesOf(document).forEach((rule, index) => {
    const rule_ = nodeKey({ kind: 'rule', index });
    const sources = statistics.flatMap((statistic, statisticIndex) =>
      ruleReferences(rule, statistic.id) ? [nodeKey({ kind: 'statistic', index: statisticIndex })] : [],
    );
    // A rule on the event alone reads straight from the input.
    for (const from of sources.length > 0 ? sources : ['workflow']) edges.push({ from, to: rule_ });
    edges.push({ from: rule_, to: nodeKey({ kind: 'return', index }) });
  });
  (document.uses ?? []).forEach((_, index) => edges.push({ from: 'workflow', to: nodeKey({ kind: 'use', index }) }));
  return { nodes, edges };
}

/** Which nodes a connection may start from and end at: a statistic's output into a rule's input. */
export function canConnect(from: NodeRef, to: NodeRef): boolean {
  return from.kind === 'statistic' && to.kind === 'rule';
}
