import { describe, expect, it } from 'vitest';
import { EventStreamParser, type EventStreamMessage } from './sse.js';

function parse(chunks: string[]) {
  const messages: EventStreamMessage[] = [];
  const retries: number[] = [];
  const parser = new EventStreamParser(
    (message) => messages.push(message),
    (milliseconds) => retries.push(milliseconds),
  );
  for (const chunk of chunks) parser.push(chunk);
  return { messages, retries, parser };
}

describe('EventStreamParser (WHATWG event stream interpretation)', () => {
  it('joins multi-line data with LF and names the event', () => {
    const { messages } = parse(['id: 7\nevent: security.mfa\ndata: {"a":\ndata: 1}\n\n']);
    expect(messages).toEqual([{ type: 'security.mfa', data: '{"a":\n1}', lastEventId: '7' }]);
  });

  it('ignores comments and heartbeats', () => {
    const { messages } = parse([': ping\n\n:another\ndata: x\n: in the middle\n\n']);
    expect(messages).toEqual([{ type: 'message', data: 'x', lastEventId: '' }]);
  });

  it('handles LF, CR and CRLF line ends, also when split across chunks', () => {
    const { messages } = parse(['data: a\r', '\ndata: b\r\r', 'data: c\n', '\ndata: d\r\n\r', '\n']);
    expect(messages.map((message) => message.data)).toEqual(['a\nb', 'c', 'd']);
  });

  it('reassembles fields split anywhere, one byte at a time', () => {
    const text = 'event: security.mfa.resolved\nid: 42\ndata: {"type":"security.mfa.resolved"}\n\n';
    const { messages } = parse([...text]);
    expect(messages).toEqual([{ type: 'security.mfa.resolved', data: '{"type":"security.mfa.resolved"}', lastEventId: '42' }]);
  });

  it('removes only one leading space and treats a line without colon as a field with an empty value', () => {
    const { messages } = parse(['data:  two spaces\ndata\ndata:no space\n\n']);
    expect(messages[0]!.data).toBe(' two spaces\n\nno space');
  });

  it('keeps the last id across events, ignores ids with NUL, and lets an empty id reset it', () => {
    const { messages, parser } = parse(['id: 1\ndata: a\n\n', 'data: b\n\n', 'id: 2\0x\ndata: c\n\n', 'id\ndata: d\n\n']);
    expect(messages.map((message) => message.lastEventId)).toEqual(['1', '1', '1', '']);
    expect(parser.lastEventId).toBe('');
  });

  it('does not dispatch an event without data, and resets its type', () => {
    const { messages, parser } = parse(['event: security.mfa\nid: 3\n\n']);
    expect(messages).toEqual([]);
    expect(parser.lastEventId).toBe('3');
    parser.push('data: x\n\n');
    expect(messages).toEqual([{ type: 'message', data: 'x', lastEventId: '3' }]);
  });

  it('reports numeric retry values only', () => {
    const { retries } = parse(['retry: 2000\nretry: 1e3\nretry: -5\nretry:\n\n']);
    expect(retries).toEqual([2000]);
  });

  it('discards an event cut off by the end of the connection, and does not acknowledge its id', () => {
    const { messages, parser } = parse(['id: 5\ndata: whole\n\nid: 6\ndata: half']);
    expect(parser.lastEventId).toBe('5');
    parser.reset();
    parser.push('data: next\n\n');
    expect(messages.map((message) => [message.data, message.lastEventId])).toEqual([
      ['whole', '5'],
      ['next', '5'],
    ]);
  });
});
