import autocannon from 'autocannon';

/** Throughput and latency of one load run. */
export interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export const CONNECTIONS = 50;

/** Fires `requests` in turn over {@link CONNECTIONS} connections for `seconds`. */
export async function load(url: string, requests: LoadRequest[], options: { seconds: number; headers?: Record<string, string> }): Promise<Load> {
  // One worker thread fires the load so the server keeps the main thread to itself.
  const result = await autocannon({ url, connections: CONNECTIONS, duration: options.seconds, workers: 1, headers: options.headers, requests });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}
