// The set-up most integration tests share: an emulated Clerk (signed webhooks + Backend API) on a port of its own,
// and the real server on a fresh database that trusts its signing secret and resyncs from its Backend API.
import {
  createEmulator,
  generateSecretKey,
  generateSigningSecret,
  type Emulator,
  type EmulatorOptions,
} from '../../../emulator/emulator.ts';
import type { TestProvider } from './db.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './harness.ts';

export interface ClerkAndServerOptions {
  /** over the quiet defaults: no targets, no rate limit, Svix's schedule 1,000× faster */
  emulator?: Partial<EmulatorOptions>;
  /** the server's options; a function when they need the emulator (e.g. a wrapped Backend API client) */
  server?: TestServerOptions | ((clerk: Emulator, clerkUrl: string) => TestServerOptions);
  /** send the emulator's webhooks to the server (default true) */
  deliver?: boolean;
}

export interface ClerkAndServer {
  clerk: Emulator;
  s: TestServer;
}

export async function startClerkAndServer(
  provider: TestProvider,
  opts: ClerkAndServerOptions = {},
): Promise<ClerkAndServer> {
  const clerk = createEmulator({
    signingSecret: generateSigningSecret(),
    secretKey: generateSecretKey(),
    targets: [],
    rateLimit: null,
    timeFactor: 0.001,
    ...opts.emulator,
  });
  const { url } = await clerk.listen(0);
  try {
    const serverOpts = typeof opts.server === 'function' ? opts.server(clerk, url) : (opts.server ?? {});
    const s = await startTestServer(provider, {
      secrets: [clerk.signingSecret],
      clerkApiUrl: url,
      clerkSecretKey: clerk.secretKey,
      ...serverOpts,
    });
    if (opts.deliver ?? true) clerk.addTarget(`${s.url}/api/webhooks/clerk`);
    return { clerk, s };
  } catch (err) {
    await clerk.close();
    throw err;
  }
}

/** Closes what startClerkAndServer started (either may be unset when its beforeAll failed). */
export async function closeClerkAndServer(env: Partial<ClerkAndServer>): Promise<void> {
  await env.clerk?.close();
  await env.s?.close();
}
