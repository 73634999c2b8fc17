import { expect } from 'vitest';

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** An open SSE connection: `until` reads on until its condition holds over every message so far (at most 5 s). */
export interface SseConnection {
  messages: SseMessage[];
  until(condition: (messages: SseMessage[]) => boolean): Promise<SseMessage[]>;
  close(): void;
}

/** Connects as a browser's EventSource would, once the answer's headers are in (the stream is then live). */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const messages: SseMessage[] = [];
  let buffer = '';
  const until = async (condition: (messages: SseMessage[]) => boolean) => {
    const deadline = setTimeout(() => controller.abort(), 5000);
    try {
      while (!condition(messages)) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (message.data) messages.push(message);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      clearTimeout(deadline);
    }
    return messages;
  };
  return { messages, until, close: () => controller.abort() };
}

function parseBlock(block: string): SseMessage {
  const message: SseMessage = { data: '' };
  for (const line of block.split('\n')) {
    if (line.startsWith('id:')) message.id = line.slice(3).trim();
    else if (line.startsWith('event:')) message.event = line.slice(6).trim();
    else if (line.startsWith('data:')) message.data += line.slice(5).trim();
  }
  return message;
}

/** Reads raw SSE from the backend until `until` holds (at most 5 s): what a browser's EventSource would see. */
export async function readSse(url: string, headers: Record<string, string>, until: (events: SseMessage[]) => boolean) {
  const connection = await openSse(url, headers);
  try {
    return await connection.until(until);
  } finally {
    connection.close();
  }
}
