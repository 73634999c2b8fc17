import { expect } from 'vitest';

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Reads raw SSE from the backend until `until` holds (at most 5 s): what a browser's EventSource would see. */
export async function readSse(url: string, headers: Record<string, string>, until: (events: SseMessage[]) => boolean) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseMessage[] = [];
  let buffer = '';
  const deadline = setTimeout(() => controller.abort(), 5000);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) message.id = line.slice(3).trim();
          else if (line.startsWith('event:')) message.event = line.slice(6).trim();
          else if (line.startsWith('data:')) message.data += line.slice(5).trim();
        }
        if (message.data) events.push(message);
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return events;
}
