// The HTTP side of the webhook source: one handler a runtime can mount on its own server, or a server
// of ours on a port. A delivery is answered 2xx only after it is fsynced to the event log, so
// incident.io retries whatever a crash left unacknowledged; a forged or stale one gets 4xx.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../../errors';
import { DeliveryVerifier, RejectedDelivery } from './verify';

export interface DeliverySink {
  /** Resolves once the delivery is durable (or known already: a duplicate). */
  accept(delivery: { id: string; timestamp: number; body: unknown }): Promise<'stored' | 'duplicate'>;
  /** Told of every refused delivery (counted; never its body). */
  refused(status: number, reason: string): void;
}

/** incident.io's payloads are small; anything near this is not one of them. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function deliveryHandler(
  verifier: DeliveryVerifier,
  sink: DeliverySink,
  path = '/'
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const answer = (res: http.ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return answer(res, 404, { error: 'not the webhook endpoint' });
    if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) {
        sink.refused(413, 'body too large');
        return answer(res, 413, { error: 'body too large' });
      }
      let delivery;
      try {
        delivery = verifier.verify(Buffer.concat(chunks), req.headers);
      } catch (e) {
        const r = e instanceof RejectedDelivery ? e : new RejectedDelivery(400, 'unreadable delivery');
        sink.refused(r.status, r.reason);
        return answer(res, r.status, { error: r.reason });
      }
      sink.accept(delivery).then(
        (outcome) => answer(res, 200, { ok: true, outcome }),
        // Not stored: 5xx, so that incident.io delivers it again.
        () => answer(res, 503, { error: 'not stored, retry' })
      );
    });
  };
}

/** Our own server on `port` (0: any free one); resolves with the port it listens on. */
export function listenOn(
  handler: http.RequestListener,
  port: number,
  host: string
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  // Deliveries are small and incident.io waits 15 s at most: a stalled peer should not hold a socket.
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new ConnectorError('config', `cannot listen for webhooks on ${host}:${port} (${e.code ?? e.message})`)
      )
    );
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
