// Server-Sent Events over a fetch() response body (EventSource cannot POST or send headers).

/** Parse one event block into { name, data } (data lines joined by "\n"); null when it has no data. */
export function parseEvent(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { name, data: data.join('\n') } : null;
}

/** Read an SSE body to its end, calling onEvent(name, dataString) per event. */
export async function readSSE(res, onEvent) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const dispatch = (block) => {
    const event = parseEvent(block);
    if (event) onEvent(event.name, event.data);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf = (buf + decoder.decode(value, { stream: true })).replace(/\r\n/g, '\n');
      let idx;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        dispatch(buf.slice(0, idx));
        buf = buf.slice(idx + 2);
      }
    }
    buf += decoder.decode();
    if (buf.trim()) dispatch(buf);
  } finally {
    reader.cancel().catch(() => {});
  }
}
