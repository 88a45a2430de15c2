// Step 1 of the pipeline: prove the bytes came from Clerk (Svix / Standard Webhooks signatures,
// https://docs.svix.com/receiving/verifying-payloads/how). The `svix` library does the HMAC and the 5-minute timestamp tolerance;
// this module maps its failures to clear answers and accepts several secrets (rotation).
import { Webhook, WebhookVerificationError } from 'svix';
import { AppError } from '../lib/errors.ts';

export interface Verified {
  svixId: string;
  /** the parsed JSON body (svix parses it only after the signature matched) */
  json: unknown;
}

type Headers = Record<string, string | string[] | undefined>;

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The message id a request claims, verified or not (for the delivery log). */
export function claimedSvixId(h: Headers): string | null {
  const id = header(h, 'svix-id') ?? header(h, 'webhook-id');
  return id ? id.slice(0, 200) : null;
}

export function createVerifier(secrets: string[]) {
  if (secrets.length === 0) throw new Error('createVerifier needs at least one whsec_ secret');
  const webhooks = secrets.map((s) => new Webhook(s));

  /** `body` as received: the exact bytes, or their UTF-8 text (svix would decode a Buffer on every try). */
  return function verify(body: Buffer | string, headers: Headers): Verified {
    const id = header(headers, 'svix-id') ?? header(headers, 'webhook-id');
    const timestamp = header(headers, 'svix-timestamp') ?? header(headers, 'webhook-timestamp');
    const signature = header(headers, 'svix-signature') ?? header(headers, 'webhook-signature');
    const missing = [
      !id && 'svix-id',
      !timestamp && 'svix-timestamp',
      !signature && 'svix-signature',
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new AppError('missing_headers', 400, `Missing required Svix headers: ${missing.join(', ')}`);
    }
    const svixHeaders = { 'svix-id': id!, 'svix-timestamp': timestamp!, 'svix-signature': signature! };

    let lastError: unknown;
    for (const wh of webhooks) {
      try {
        return { svixId: id!, json: wh.verify(body, svixHeaders) };
      } catch (err) {
        if (err instanceof SyntaxError) {
          throw new AppError('invalid_json', 400, 'The signature is valid but the body is not JSON');
        }
        if (!(err instanceof WebhookVerificationError)) throw err;
        // Timestamp and header problems are the same for every secret: no point trying the others.
        if (err.message !== 'No matching signature found') throw mapVerificationError(err);
        lastError = err;
      }
    }
    throw mapVerificationError(lastError as WebhookVerificationError);
  };
}

export type Verifier = ReturnType<typeof createVerifier>;

function mapVerificationError(err: WebhookVerificationError): AppError {
  switch (err.message) {
    case 'Message timestamp too old':
    case 'Message timestamp too new':
      return new AppError(
        'timestamp_out_of_tolerance',
        401,
        `${err.message}: svix-timestamp must be within 5 minutes of the server's clock`,
      );
    case 'Invalid Signature Headers':
      return new AppError('invalid_headers', 400, 'svix-timestamp is not a unix timestamp in seconds');
    case 'No matching signature found':
      return new AppError('invalid_signature', 401, 'No svix-signature entry matches any configured signing secret');
    default:
      return new AppError('invalid_signature', 401, `Signature verification failed: ${err.message}`);
  }
}
