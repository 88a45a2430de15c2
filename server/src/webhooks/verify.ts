// Step 1 of the pipeline: prove the bytes came from Clerk (Svix / Standard Webhooks signatures,
// https://docs.svix.com/receiving/verifying-payloads/how). The `svix` library does the HMAC and the 5-minute timestamp tolerance;
// this module maps its failures to clear answers and accepts several secrets (rotation).
import { isUtf8 } from 'node:buffer';
import { Webhook, WebhookVerificationError } from 'svix';
import { AppError } from '../lib/errors.ts';

/** Longest svix-id accepted (Svix's are `msg_` + 27 characters); a longer one is refused before any HMAC. */
export const MAX_SVIX_ID_LENGTH = 256;

export interface Verified {
  svixId: string;
  /** the parsed JSON body (svix parses it only after the signature matched) */
  json: unknown;
  /** the body as text: exactly the bytes received (they are valid UTF-8, checked before the signature) */
  text: string;
}

/** A refusal of a body whose signature matched (so it is Clerk's): it counts as verified in the delivery log. */
export class SignedBodyError extends AppError {}

type Headers = Record<string, string | string[] | undefined>;

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The message id a request claims, verified or not (for the delivery log), cut to `max` characters. */
export function claimedSvixId(h: Headers, max = MAX_SVIX_ID_LENGTH): string | null {
  const id = header(h, 'svix-id') ?? header(h, 'webhook-id');
  return id ? id.slice(0, max) : null;
}

export function createVerifier(secrets: string[]) {
  if (secrets.length === 0) throw new Error('createVerifier needs at least one whsec_ secret');
  const webhooks = secrets.map((s) => new Webhook(s));

  /**
   * `body`: the exact bytes received. svix signs and checks text, so bytes that are not valid UTF-8 are refused
   * first: decoding them would replace the bad bytes with U+FFFD, and a signature made for that text would then
   * pass for different bytes. Valid UTF-8 decodes and re-encodes to the same bytes, so svix's HMAC over the text
   * is the HMAC over the raw body. Clerk sends UTF-8 JSON, so nothing genuine is refused.
   */
  return function verify(body: Buffer, headers: Headers): Verified {
    const id = header(headers, 'svix-id') ?? header(headers, 'webhook-id');
    const timestamp = header(headers, 'svix-timestamp') ?? header(headers, 'webhook-timestamp');
    const signature = header(headers, 'svix-signature') ?? header(headers, 'webhook-signature');
    const missing = [!id && 'svix-id', !timestamp && 'svix-timestamp', !signature && 'svix-signature'].filter(Boolean);
    if (missing.length > 0) {
      throw new AppError('missing_headers', 400, `Missing required Svix headers: ${missing.join(', ')}`);
    }
    if (id!.length > MAX_SVIX_ID_LENGTH) {
      throw new AppError(
        'invalid_headers',
        400,
        `svix-id is ${id!.length} characters long; at most ${MAX_SVIX_ID_LENGTH} are accepted`,
      );
    }
    if (!isUtf8(body)) {
      throw new AppError(
        'invalid_encoding',
        400,
        'The body is not valid UTF-8 (Clerk sends UTF-8 JSON); its signature was not checked',
      );
    }
    const svixHeaders = { 'svix-id': id!, 'svix-timestamp': timestamp!, 'svix-signature': signature! };
    // Decoded once: every secret is tried on this text, and the pipeline parses and stores the same text.
    const text = body.toString('utf8');

    let lastError: unknown;
    for (const wh of webhooks) {
      try {
        return { svixId: id!, json: wh.verify(text, svixHeaders), text };
      } catch (err) {
        if (err instanceof SyntaxError) {
          throw new SignedBodyError('invalid_json', 400, 'The signature is valid but the body is not JSON');
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
