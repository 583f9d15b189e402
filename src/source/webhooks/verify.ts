// Signature checks of incident.io's deliveries (Standard Webhooks, as Svix signs them): an HMAC over
// id.timestamp.body with the endpoint's signing secret, and a timestamp within five minutes of now,
// so a captured delivery cannot be replayed later.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { ConfigError } from '../../errors';

export interface VerifiedDelivery {
  id: string;
  timestamp: number;
  body: unknown;
}

/** A delivery that is refused: `status` is what the endpoint answers (4xx), `reason` says why. */
export class RejectedDelivery extends Error {
  constructor(
    readonly status: number,
    readonly reason: string
  ) {
    super(reason);
    this.name = 'RejectedDelivery';
  }
}

/** whsec_ and base64, as incident.io shows the secret (Settings → Webhooks → the endpoint). */
export const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+=*$/;

export class DeliveryVerifier {
  private readonly webhook: Webhook;

  constructor(secret: string) {
    if (!SECRET_PATTERN.test(secret)) {
      // Never the value itself: a wrongly pasted secret is still a secret.
      throw new ConfigError('the credential', [
        {
          field: '/webhook_secret',
          reason: 'must be the signing secret as incident.io shows it: whsec_ followed by base64',
        },
      ]);
    }
    this.webhook = new Webhook(secret);
  }

  /** The delivery's id, timestamp and parsed body; throws RejectedDelivery when it is not genuine. */
  verify(raw: Buffer, headers: Record<string, string | string[] | undefined>): VerifiedDelivery {
    const h = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const id = h('webhook-id');
    const timestamp = h('webhook-timestamp');
    const signature = h('webhook-signature');
    if (!id || !timestamp || !signature) {
      throw new RejectedDelivery(400, 'missing webhook-id, webhook-timestamp or webhook-signature');
    }
    let body: unknown;
    try {
      body = this.webhook.verify(raw, {
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': signature,
      });
    } catch (e) {
      if (e instanceof WebhookVerificationError) throw new RejectedDelivery(401, e.message);
      throw new RejectedDelivery(400, 'the body is not JSON');
    }
    return { id, timestamp: Number(timestamp), body };
  }
}
