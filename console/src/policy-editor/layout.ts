/**
 * Auto-layout of the graph, left to right in evaluation order. dagre rather than elkjs: the graph is a small
 * layered DAG, which dagre lays out synchronously in a tenth of elkjs's size (elkjs ships a GWT-compiled
 * worker of about 1.5 MB); this module is imported lazily with the graph view.
 */
import { Graph as LayoutGraph, layout } from '@dagrejs/dagre';
import { NODE_SIZE, type Graph } from './graph.js';

export interface Point {
  x: number;
  y: number;
}

/** Top-left corner of every node, keyed by node key. */
export function layoutGraph(graph: Graph): Map<string, Point> {
  const graphLayout = new LayoutGraph();
  graphLayout.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 72, marginx: 16, marginy: 16 });
  graphLayout.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) graphLayout.setNode(node.key, { ...NODE_SIZE });
  for (const edge of graph.edges) graphLayout.setEdge(edge.from, edge.to);
  layout(graphLayout);
  return new Map(
    graph.nodes.map((node) => {
      const { x, y } = graphLayout.node(node.key);
      return [node.key, { x: x - NODE_SIZE.width / 2, y: y - NODE_SIZE.height / 2 }];
    }),
  );
}
