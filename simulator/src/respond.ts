// Writing a response, honestly or in one of the broken ways real networks and proxies produce.
import type { ServerResponse } from 'http';

export interface Outgoing {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentType: string;
}

/** normal; trickle = 1 byte per TRICKLE_MS; truncate = full Content-Length, half the body, then close. */
export type Delivery = 'normal' | 'trickle' | 'truncate';

export const TRICKLE_MS = 200;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Outgoing {
  return { status, headers, body: JSON.stringify(body), contentType: 'application/json; charset=utf-8' };
}

/** A JSON body cut short: a client must fail to parse it, not crash. Content-Length stays truthful. */
export function malformed(out: Outgoing): Outgoing {
  const cut = Math.max(1, Math.floor(out.body.length * 0.6));
  return { ...out, body: out.body.slice(0, cut) + '\u0000<EOF' };
}

/** What a misconfigured proxy or captive portal answers: 200 with an HTML page. */
export function htmlPage(out: Outgoing): Outgoing {
  return {
    ...out,
    status: 200,
    contentType: 'text/html; charset=utf-8',
    body:
      '<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>\n' +
      '<body><h1>Service temporarily unavailable</h1><p>The upstream returned an invalid response. ' +
      'Please try again later.</p></body></html>\n',
  };
}

export function write(
  res: ServerResponse,
  out: Outgoing,
  delivery: Delivery,
  timers: Set<NodeJS.Timeout>
): void {
  const buf = Buffer.from(out.body, 'utf8');
  res.writeHead(out.status, {
    ...out.headers,
    'Content-Type': out.contentType,
    'Content-Length': String(buf.length),
  });
  if (delivery === 'normal') {
    res.end(buf);
  } else if (delivery === 'truncate') {
    res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.destroy());
  } else {
    let pos = 0;
    const timer = setInterval(() => {
      if (pos >= buf.length) {
        stop();
        res.end();
      } else {
        res.write(buf.subarray(pos, ++pos));
      }
    }, TRICKLE_MS);
    const stop = (): void => {
      clearInterval(timer);
      timers.delete(timer);
    };
    timers.add(timer);
    res.on('close', stop);
  }
}
