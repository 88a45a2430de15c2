// `npm run emulator -- --target http://localhost:3000/api/webhooks/clerk`: the Clerk emulator on its own, so a
// team can point it at any backend (this monitor or their own) without a Clerk account or a tunnel.
import { parseArgs } from 'node:util';
import { createLogger } from '../server/src/lib/logger.ts';
import { faultsPatchSchema } from './faults.ts';
import { MAX_ORGANIZATION_SHARE } from './activity.ts';
import { generateSecretKey, generateSigningSecret, startEmulator } from './emulator.ts';

const HELP = `Clerk emulator — Clerk's Backend API + Svix-style signed webhooks, with faults on demand.

Usage: npm run emulator -- --target <url> [options]

  --target <url>          webhook endpoint (repeatable)
  --port <n>              port for /v1 (Backend API) and /control (default 4010; 0 = any)
  --host <addr>           bind address (default 127.0.0.1; the control API answers loopback callers only)
  --secret <whsec_…>      signing secret (generated and printed if absent)
  --secret-key <sk_…>     Backend API key (generated and printed if absent)
  --rate <n/s|none>       Backend API rate limit, requests per window seconds (default 100/10, like a dev instance)
  --time-factor <x>       multiply Svix's retry delays (default 1; 0.01 turns 5 min into 3 s)
  --drop <0..1>           share of messages never delivered (drift)
  --duplicate <0..1>      share of messages delivered twice (same svix-id)
  --reorder <ms>          hold messages for this window and send them shuffled
  --delay <ms>            delay each message's first attempt by up to this
  --bad-signature <0..1>  share of attempts signed with a wrong secret
  --outage <ms>           start with an endpoint outage of this length
  --seed-users <n>        users that exist before any webhook (no events sent)
  --seed-organizations <n>  organizations (3 members each) that exist before any webhook
  --activity-rate <n>     background user and session changes per second (default 1; 0 = none)
  --organization-share <x>  share of the activity that changes organizations (default 0.2; 0 = none; ≤ 0.9)
  --seed <n>              seed for data and fault decisions
  --verbose               log every delivery attempt
  --help
`;

function fail(message: string): never {
  console.error(`emulator: ${message}\n\n${HELP}`);
  process.exit(2);
}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`--${name} must be a number, got "${v}"`);
  return n;
};

async function main() {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', multiple: true, default: [] },
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      secret: { type: 'string' },
      'secret-key': { type: 'string' },
      rate: { type: 'string', default: '100/10' },
      'time-factor': { type: 'string', default: '1' },
      drop: { type: 'string' },
      duplicate: { type: 'string' },
      reorder: { type: 'string' },
      delay: { type: 'string' },
      'bad-signature': { type: 'string' },
      outage: { type: 'string' },
      'seed-users': { type: 'string', default: '0' },
      'seed-organizations': { type: 'string', default: '0' },
      'organization-share': { type: 'string' },
      'activity-rate': { type: 'string', default: '1' },
      seed: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }

  const targets = values.target ?? [];
  for (const t of targets) if (!URL.canParse(t)) fail(`--target "${t}" is not a URL`);
  if (values.secret && !values.secret.startsWith('whsec_')) fail('--secret must start with whsec_');

  let rateLimit: { requests: number; windowMs: number } | null = null;
  if (values.rate !== 'none') {
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(values.rate ?? '');
    if (!m) fail('--rate must look like 100/10 (requests per seconds) or none');
    rateLimit = { requests: Number(m[1]), windowMs: Number(m[2]) * 1000 };
  }

  const faults = faultsPatchSchema.safeParse({
    drop: num('drop', values.drop),
    duplicate: num('duplicate', values.duplicate),
    reorderWindowMs: num('reorder', values.reorder),
    delayMs: num('delay', values.delay),
    badSignature: num('bad-signature', values['bad-signature']),
    outageMs: num('outage', values.outage),
  });
  if (!faults.success) fail(faults.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

  const signingSecret = values.secret ?? generateSigningSecret();
  const secretKey = values['secret-key'] ?? generateSecretKey();
  const activityRate = num('activity-rate', values['activity-rate']) ?? 1;
  const organizationShare = num('organization-share', values['organization-share']);
  if (organizationShare !== undefined && !(organizationShare >= 0 && organizationShare <= MAX_ORGANIZATION_SHARE)) {
    fail(`--organization-share must be between 0 and ${MAX_ORGANIZATION_SHARE}`);
  }
  const seedOrganizations = num('seed-organizations', values['seed-organizations']) ?? 0;
  if (!Number.isInteger(seedOrganizations) || seedOrganizations < 0) {
    fail('--seed-organizations must be a whole number');
  }
  const seed = num('seed', values.seed);
  const logger = createLogger(values.verbose ? 'debug' : 'warn');

  const emulator = await startEmulator({
    port: num('port', values.port) ?? 4010,
    host: values.host,
    signingSecret,
    secretKey,
    targets,
    rateLimit,
    timeFactor: num('time-factor', values['time-factor']) ?? 1,
    faults: faults.data,
    seedUsers: num('seed-users', values['seed-users']) ?? 0,
    seedOrganizations,
    activity:
      activityRate > 0
        ? { perSecond: activityRate, ...(organizationShare !== undefined ? { organizationShare } : {}) }
        : null,
    seed,
    logger,
  });

  const u = emulator.url;
  console.log(`Clerk emulator on ${u}
  Backend API   ${u}/v1              → CLERK_API_URL=${u}
  Control API   ${u}/control/state
  Webhooks to   ${targets.length ? targets.join(', ') : '(none yet: POST /control/targets {"url": …})'}

  CLERK_SECRET_KEY=${secretKey}
  CLERK_WEBHOOK_SIGNING_SECRET=${signingSecret}
${values.secret ? '' : '  (the signing secret was generated: give it to the receiver, or pass --secret next time)\n'}`);

  const shutdown = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
