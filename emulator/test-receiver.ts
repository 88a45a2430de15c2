// Test helper: a tiny webhook receiver on 127.0.0.1 that records every request (raw body, headers, arrival time)
// and answers whatever the test's `respond` decides. Used by the emulator's tests, not by production code.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'svix';

export interface ReceivedRequest {
  at: number; // performance.now()
  headers: IncomingHttpHeaders;
  body: string;
  svixId: string;
  /** Set when the receiver was given a secret: did the signature verify? */
  verified: boolean | null;
  json: { type: string; timestamp: number; data: { id?: string } & Record<string, unknown> } | null;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Never answer (to exercise the sender's timeout). */
  hang?: boolean;
}

export interface TestReceiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startTestReceiver(
  opts: { secret?: string; respond?: (req: ReceivedRequest, index: number) => Reply } = {},
): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const wh = opts.secret ? new Webhook(opts.secret) : null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified: boolean | null = null;
      if (wh) {
        try {
          wh.verify(body, req.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
      }
      let json: ReceivedRequest['json'] = null;
      try {
        json = JSON.parse(body) as ReceivedRequest['json'];
      } catch {
        json = null;
      }
      const r: ReceivedRequest = {
        at: performance.now(),
        headers: req.headers,
        body,
        svixId: String(req.headers['svix-id']),
        verified,
        json,
      };
      requests.push(r);
      const reply = opts.respond?.(r, requests.length - 1) ?? { status: verified === false ? 400 : 200 };
      if (reply.hang) return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/clerk`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
