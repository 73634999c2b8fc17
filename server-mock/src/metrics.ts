import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one backend instance (its own registry, so several apps can live in one test process). */
export class Metrics {
  readonly registry = new Registry();

  readonly decisions = new Counter({
    name: 'camfa_decisions_total',
    help: 'Policy decisions by mode and outcome (hit: MFA required, pass: none, error: the workflow failed).',
    labelNames: ['mode', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly decisionDuration = new Histogram({
    name: 'camfa_decision_duration_seconds',
    help: 'Time to evaluate one workflow, statistics included.',
    labelNames: ['mode'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  readonly eventsCaptured = new Counter({
    name: 'camfa_ueba_events_total',
    help: 'UEBA events stored.',
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'camfa_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
