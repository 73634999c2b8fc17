/**
 * The graph view. Built on `@xyflow/system` rather than rete 2 + `@retejs/lit-plugin`: rete renders every node
 * through its own Lit presets inside its area plugin's transformed layers, so the nodes could not be our own
 * labelled buttons, carry the inspector's error badges or take Web Awesome's tokens without re-writing its
 * presets; and its editor state would be a second copy of the document to keep in step. xyflow's system
 * package is framework-free geometry (edge paths) with no state of its own, so the document stays the only
 * model, nodes are plain Lit markup, and the graph is ~150 lines. Gestures are pointer events tracked on the
 * window (no pointer capture), so a drag that leaves the canvas still ends.
 */
import { getBezierPath, Position } from '@xyflow/system';
import { css, html, LitElement, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { edgeTaken, type NodeTrace } from './explanation.js';
import { canConnect, NODE_SIZE as SIZE, type Graph, type GraphNode } from './graph.js';
import type { Point } from './layout.js';
import { translate, type Language, type MessageKey } from './messages.js';
import { parseNodeKey, rulesOf, statisticsOf, type WorkflowDocument } from './model.js';
import type { EditorOperation } from './operations.js';
import { editorStyles } from './styles.js';

/** A pointer that moved less than this between down and up clicked rather than dragged. */
const DRAG_THRESHOLD = 4;

type Gesture =
  | { type: 'move'; key: string; start: Point; origin: Point; moved: boolean }
  | { type: 'connect'; from: string; start: Point; end: Point }
  | { type: 'place'; kind: 'statistic' | 'rule'; start: Point; moved: boolean };

/**
 * @summary The workflow as a graph: input → window statistics → judgments → return values, template uses off
 * the input. Drag a palette item onto the canvas to add a node, drag a node to move it, drag from a
 * statistic's output port onto a rule to connect them; click a node to inspect it.
 * @event {EditorOperation} camfa-editor-operation - The user asked for a change or a selection.
 */
export class PolicyGraph extends LitElement {
  static override styles = [
    editorStyles,
    css`
      .palette {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin-block-end: 0.5rem;
        flex-wrap: wrap;
      }
      .palette-item {
        touch-action: none;
        cursor: grab;
      }
      .canvas {
        position: relative;
        overflow: auto;
        min-height: 320px;
        border: 1px solid var(--camfa-editor-border);
        border-radius: var(--wa-border-radius-m, 0.25rem);
        background: var(--camfa-editor-surface);
      }
      .plane {
        position: relative;
      }
      svg {
        position: absolute;
        inset: 0;
        pointer-events: none;
        overflow: visible;
      }
      path {
        fill: none;
        stroke: var(--camfa-editor-border);
        stroke-width: 1.5;
      }
      path[data-taken] {
        stroke: var(--camfa-editor-taken);
        stroke-width: 3;
      }
      .node {
        position: absolute;
        box-sizing: border-box;
        touch-action: none;
      }
      .node-body {
        box-sizing: border-box;
        width: 100%;
        height: 100%;
        text-align: start;
        font: inherit;
        color: inherit;
        background: var(--camfa-editor-raised);
        border: 2px solid var(--camfa-editor-border);
        border-radius: var(--wa-border-radius-m, 0.375rem);
        padding: 0.25rem 0.5rem;
        cursor: grab;
        overflow: hidden;
      }
      .node[aria-current='true'] .node-body {
        border-color: var(--camfa-editor-accent);
      }
      .node[data-state='taken'] .node-body {
        border-color: var(--camfa-editor-taken);
        border-width: 3px;
      }
      .node[data-state='skipped'] .node-body {
        opacity: 0.6;
      }
      .node[data-invalid] .node-body {
        border-color: var(--camfa-editor-danger);
        border-style: dashed;
      }
      .kind {
        display: block;
        font-size: 0.75em;
        color: var(--wa-color-text-quiet, color-mix(in srgb, CanvasText 72%, Canvas));
      }
      .port {
        position: absolute;
        top: calc(50% - 7px);
        width: 14px;
        height: 14px;
        border-radius: 50%;
        background: var(--camfa-editor-accent);
        touch-action: none;
      }
      .port.in {
        left: -7px;
      }
      .port.out {
        right: -7px;
        cursor: crosshair;
      }
    `,
  ];

  @property({ attribute: false }) graph: Graph = { nodes: [], edges: [] };
  @property({ attribute: false }) document: WorkflowDocument | null = null;
  @property() selected = 'workflow';
  @property({ attribute: false }) errorCounts: ReadonlyMap<string, number> = new Map();
  @property({ attribute: false }) traces: ReadonlyMap<string, NodeTrace> | null = null;
  @property({ type: Boolean }) readonly = false;
  @property() language: Language = 'en';

  /** Where dagre put each node; recomputed when the graph's shape changes. */
  @state() private automatic = new Map<string, Point>();
  /**
   * Where the user dragged nodes to; wins over the automatic layout until "Auto-layout". Kept by what a node is
   * (kind and id) rather than by its place in a list, so removing or reordering entries leaves the others put.
   */
  @state() private manual = new Map<string, Point>();
  private identities = new Map<string, string>();
  /** A palette drop waiting for its node to appear in the next graph. */
  private placing: { key: string; point: Point } | null = null;
  @state() private gesture: Gesture | null = null;
  private shape = '';
  /** Resolves when the current layout is in place (dagre loads lazily). */
  layoutComplete: Promise<void> = Promise.resolve();

  private t = (key: MessageKey, values?: Record<string, string | number>) => translate(this.language, key, values);

  private send(operation: EditorOperation): void {
    this.dispatchEvent(new CustomEvent('camfa-editor-operation', { detail: operation, bubbles: true, composed: true }));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('graph')) return;
    this.identities = new Map(this.graph.nodes.map((node) => [node.key, `${node.kind}#${node.label}`]));
    const placed = this.placing && this.identities.get(this.placing.key);
    if (placed) {
      this.manual = new Map(this.manual).set(placed, this.placing!.point);
      this.placing = null;
    }
    const shape = JSON.stringify([this.graph.nodes.map((node) => node.key), this.graph.edges]);
    if (shape === this.shape) return;
    this.shape = shape;
    const graph = this.graph;
    this.layoutComplete = import('./layout.js').then(({ layoutGraph }) => {
      if (graph === this.graph) this.automatic = layoutGraph(graph);
    });
  }

  /** Lays the whole graph out again, forgetting where nodes were dragged. */
  autoLayout(): void {
    this.manual = new Map();
  }

  position(key: string): Point {
    return this.manual.get(this.identities.get(key) ?? key) ?? this.automatic.get(key) ?? { x: 16, y: 16 };
  }

  /** A pointer position in the plane's coordinates (the canvas scrolls). */
  private planePoint(event: PointerEvent): Point {
    const plane = this.renderRoot.querySelector('.plane')!.getBoundingClientRect();
    return { x: event.clientX - plane.left, y: event.clientY - plane.top };
  }

  private begin(gesture: Gesture): void {
    this.gesture = gesture;
    window.addEventListener('pointermove', this.onPointerMove);
    window.addEventListener('pointerup', this.onPointerUp, { once: true });
  }

  private readonly onPointerMove = (event: PointerEvent) => {
    const gesture = this.gesture;
    if (!gesture) return;
    const point = this.planePoint(event);
    const far = Math.hypot(point.x - gesture.start.x, point.y - gesture.start.y) >= DRAG_THRESHOLD;
    if (gesture.type === 'move' && (gesture.moved || far)) {
      this.manual = new Map(this.manual).set(this.identities.get(gesture.key) ?? gesture.key, {
        x: gesture.origin.x + point.x - gesture.start.x,
        y: gesture.origin.y + point.y - gesture.start.y,
      });
      this.gesture = { ...gesture, moved: true };
    } else if (gesture.type === 'connect') this.gesture = { ...gesture, end: point };
    else if (gesture.type === 'place' && far) this.gesture = { ...gesture, moved: true };
  };

  private readonly onPointerUp = (event: PointerEvent) => {
    window.removeEventListener('pointermove', this.onPointerMove);
    const gesture = this.gesture;
    this.gesture = null;
    if (!gesture) return;
    if (gesture.type === 'connect') this.finishConnect(gesture.from, event);
    else if (gesture.type === 'place' && gesture.moved) this.finishPlace(gesture.kind, event);
    else if (gesture.type === 'move' && !gesture.moved) this.send({ op: 'select', ref: parseNodeKey(gesture.key)! });
  };

  private finishConnect(from: string, event: PointerEvent): void {
    const target = this.keyAt(event);
    const fromRef = parseNodeKey(from);
    const toRef = target ? parseNodeKey(target) : null;
    if (fromRef && toRef && canConnect(fromRef, toRef)) this.send({ op: 'connect', from: fromRef, to: toRef });
  }

  /** A palette item dropped on the canvas: the new node appears where it was dropped. */
  private finishPlace(kind: 'statistic' | 'rule', event: PointerEvent): void {
    const canvas = this.renderRoot.querySelector('.canvas')!.getBoundingClientRect();
    const inside = event.clientX >= canvas.left && event.clientX <= canvas.right && event.clientY >= canvas.top && event.clientY <= canvas.bottom;
    if (!inside || !this.document) return;
    const point = this.planePoint(event);
    const index = kind === 'statistic' ? statisticsOf(this.document).length : rulesOf(this.document).length;
    this.placing = { key: `${kind}:${index}`, point: { x: point.x - SIZE.width / 2, y: point.y - SIZE.height / 2 } };
    this.send({ op: 'add', kind });
  }

  /** The node under the pointer (looking inside this shadow root, where the nodes are). */
  private keyAt(event: PointerEvent): string | null {
    const root = this.renderRoot as ShadowRoot;
    const element = root.elementFromPoint(event.clientX, event.clientY);
    return element?.closest<HTMLElement>('.node')?.dataset.key ?? null;
  }

  private startMove(event: PointerEvent, key: string): void {
    if (event.button !== 0) return;
    this.begin({ type: 'move', key, start: this.planePoint(event), origin: this.position(key), moved: false });
  }

  private startConnect(event: PointerEvent, key: string): void {
    event.stopPropagation();
    const start = this.planePoint(event);
    this.begin({ type: 'connect', from: key, start, end: start });
  }

  private startPlace(event: PointerEvent, kind: 'statistic' | 'rule'): void {
    this.begin({ type: 'place', kind, start: this.planePoint(event), moved: false });
  }

  private edges(): TemplateResult[] {
    const paths = this.graph.edges.map((edge) => {
      const from = this.position(edge.from);
      const to = this.position(edge.to);
      const [d] = getBezierPath({
        sourceX: from.x + SIZE.width,
        sourceY: from.y + SIZE.height / 2,
        sourcePosition: Position.Right,
        targetX: to.x,
        targetY: to.y + SIZE.height / 2,
        targetPosition: Position.Left,
      });
      const taken = this.traces ? edgeTaken(this.traces, edge.from, edge.to) : false;
      return svg`<path d=${d} data-from=${edge.from} data-to=${edge.to} ?data-taken=${taken}></path>`;
    });
    const gesture = this.gesture;
    if (gesture?.type !== 'connect') return paths;
    const from = this.position(gesture.from);
    const [d] = getBezierPath({
      sourceX: from.x + SIZE.width,
      sourceY: from.y + SIZE.height / 2,
      targetX: gesture.end.x,
      targetY: gesture.end.y,
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
    });
    return [...paths, svg`<path class="pending" d=${d}></path>`];
  }

  private node(node: GraphNode): TemplateResult {
    const { x, y } = this.position(node.key);
    const trace = this.traces?.get(node.key);
    const errors = this.errorCounts.get(node.key) ?? 0;
    const value = trace?.values.map((entry) => `${entry.name} = ${JSON.stringify(entry.value)}`).join(', ');
    const name = node.label || this.t(`kind.${node.kind}`);
    return html`<div
      class="node"
      data-key=${node.key}
      data-kind=${node.kind}
      data-state=${trace?.state ?? nothing}
      ?data-invalid=${errors > 0}
      aria-current=${this.selected === node.key ? 'true' : 'false'}
      style=${styleMap({ left: `${x}px`, top: `${y}px`, width: `${SIZE.width}px`, height: `${SIZE.height}px` })}
    >
      ${node.kind === 'rule' ? html`<span class="port in" data-port="in" aria-hidden="true"></span>` : nothing}
      <button
        type="button"
        class="node-body"
        @pointerdown=${(event: PointerEvent) => this.startMove(event, node.key)}
        @click=${(event: MouseEvent) => event.detail === 0 && this.send({ op: 'select', ref: node.ref })}
      >
        <span class="kind">${this.t(`kind.${node.kind}`)}${errors > 0 ? ` · ${this.t('errors.count', { count: errors })}` : ''}</span>
        ${name} ${value ? html`<span class="kind">${value}</span>` : nothing}
      </button>
      ${
        node.kind === 'statistic' && !this.readonly
          ? html`<span class="port out" data-port="out" aria-hidden="true" @pointerdown=${(event: PointerEvent) => this.startConnect(event, node.key)}></span>`
          : nothing
      }
    </div>`;
  }

  private palette(): TemplateResult | typeof nothing {
    if (this.readonly) return nothing;
    const item = (kind: 'statistic' | 'rule') =>
      html`<button
        type="button"
        class="action palette-item"
        data-palette=${kind}
        @pointerdown=${(event: PointerEvent) => this.startPlace(event, kind)}
        @click=${(event: MouseEvent) => event.detail === 0 && this.send({ op: 'add', kind })}
      >
        ${this.t(`kind.${kind}`)}
      </button>`;
    return html`<div class="palette" role="group" aria-label=${this.t('palette.label')}>
      ${item('statistic')} ${item('rule')}
      <span class="hint">${this.gesture?.type === 'connect' ? this.t('graph.connecting') : this.t('palette.hint')}</span>
      <button type="button" class="action" @click=${() => this.autoLayout()}>${this.t('action.layout')}</button>
    </div>`;
  }

  protected override render() {
    const points = this.graph.nodes.map((node) => this.position(node.key));
    const width = Math.max(0, ...points.map((point) => point.x)) + SIZE.width + 32;
    const height = Math.max(0, ...points.map((point) => point.y)) + SIZE.height + 32;
    return html`${this.palette()}
      <div class="canvas" part="base" role="group" aria-label=${this.t('graph.label')}>
        <div class="plane" style=${styleMap({ width: `${width}px`, height: `${height}px` })}>
          <svg width=${width} height=${height} aria-hidden="true">${this.edges()}</svg>
          ${this.graph.nodes.map((node) => this.node(node))}
        </div>
      </div>`;
  }
}

if (!customElements.get('camfa-policy-graph')) customElements.define('camfa-policy-graph', PolicyGraph);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-policy-graph': PolicyGraph;
  }
}
