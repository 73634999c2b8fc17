/**
 * The Live stream's connection as a reactive controller: opened with the host, closed when it leaves, reopened
 * when the filters change. EventSource reconnects by itself after a dropped connection; `state` says what the
 * page should show meanwhile.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DecisionRecord } from '../../api.js';
import type { UebaEvent } from '../../../../server-mock/src/protocol/index.js';
import type { LiveItem } from './live-feed.js';

export type StreamState = 'connecting' | 'open' | 'closed';

export interface LiveStreamOptions {
  /** A new EventSource for the current filters; undefined while the host cannot open one yet. */
  open: () => EventSource | undefined;
  onItem: (item: LiveItem) => void;
}

export class LiveStreamController implements ReactiveController {
  state: StreamState = 'closed';
  private source?: EventSource;
  private received = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: LiveStreamOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.reconnect();
  }

  hostDisconnected(): void {
    this.close();
  }

  reconnect(): void {
    this.close();
    const source = this.options.open();
    if (!source) return;
    this.source = source;
    this.setState('connecting');
    source.addEventListener('open', () => this.setState('open'));
    source.addEventListener('error', () => this.setState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting'));
    source.addEventListener('ueba', (message) => this.receive(message, (event: UebaEvent) => ({ kind: 'ueba', key: `u${this.received}`, event })));
    source.addEventListener('decision', (message) =>
      this.receive(message, (decision: DecisionRecord) => ({ kind: 'decision', key: `d${this.received}`, decision })),
    );
  }

  private close(): void {
    this.source?.close();
    this.source = undefined;
    this.state = 'closed';
  }

  private receive<T>(message: Event, item: (data: T) => LiveItem): void {
    let data: T;
    try {
      data = JSON.parse((message as MessageEvent<string>).data) as T;
    } catch {
      // A line the page cannot read is skipped rather than ending the stream.
      return;
    }
    this.received += 1;
    this.options.onItem(item(data));
  }

  private setState(state: StreamState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}
