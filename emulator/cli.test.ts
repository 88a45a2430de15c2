// `npm run emulator` end to end: the CLI starts, prints where it listens, delivers signed webhooks to --target.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningSecret } from './emulator.ts';
import { startTestReceiver, type TestReceiver } from './test-receiver.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
let child: ChildProcess | undefined;
let receiver: TestReceiver | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await receiver?.close();
});

function run(args: string[]): Promise<{ url: string; output: () => string }> {
  // One node process (no npx/tsx wrapper), so SIGTERM reaches the CLI's own shutdown handler.
  child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start:\n${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Clerk emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, output: () => out });
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code}:\n${out}`));
    });
  });
}

describe('emulator CLI', () => {
  it('starts with flags, prints its secrets and delivers to --target', async () => {
    const secret = generateSigningSecret();
    receiver = await startTestReceiver({ secret });
    const { url, output } = await run([
      '--port',
      '0',
      '--target',
      receiver.url,
      '--secret',
      secret,
      '--secret-key',
      'sk_test_cli',
      '--activity-rate',
      '0',
      '--seed-users',
      '4',
      '--seed-organizations',
      '2',
      '--duplicate',
      '1',
      '--rate',
      '50/10',
    ]);
    expect(output()).toContain('CLERK_SECRET_KEY=sk_test_cli');
    expect(output()).toContain(`CLERK_WEBHOOK_SIGNING_SECRET=${secret}`);

    const state = (await (await fetch(`${url}/control/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({
      users: 4,
      organizations: 2,
      memberships: 6,
      targets: [receiver.url],
      rateLimit: { requests: 50, windowMs: 10_000 },
      faults: { duplicate: 1, drop: 0 },
    });
    const count = await fetch(`${url}/v1/users/count`, { headers: { authorization: 'Bearer sk_test_cli' } });
    expect(await count.json()).toEqual({ object: 'total_count', total_count: 4 });

    await fetch(`${url}/control/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"first_name":"Cli"}',
    });
    const settled = (await (await fetch(`${url}/control/settled?timeoutMs=10000`)).json()) as { settled: boolean };
    expect(settled.settled).toBe(true);
    expect(receiver.requests).toHaveLength(2); // duplicate: 1
    expect(receiver.requests.every((r) => r.verified && r.json!.type === 'user.created')).toBe(true);
  }, 30_000);

  it('rejects bad flags with a clear message and exit code 2', async () => {
    await expect(run(['--drop', '3'])).rejects.toThrow(/exited with 2[\s\S]*drop/);
    await expect(run(['--target', 'not a url'])).rejects.toThrow(/exited with 2[\s\S]*not a URL/);
    await expect(run(['--organization-share', '1'])).rejects.toThrow(/exited with 2[\s\S]*organization-share/);
  }, 30_000);
});
