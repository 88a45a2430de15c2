#!/usr/bin/env node
// Stand-in for Prisma's native schema engine binary: speaks its JSON-RPC on stdin/stdout and forwards to the
// WebAssembly build of the same engine (server/tools/db/schema-engine-rpc.ts). prisma.config.ts and
// scripts/prisma-generate.mjs name this file in PRISMA_SCHEMA_ENGINE_BINARY when no native engine is installed,
// so `npx prisma migrate deploy|status|diff|dev` and `db push|execute` work offline. See docs/decisions/001.
import { register } from 'tsx/esm/api';

register();
try {
  const { serve } = await import('../server/tools/db/schema-engine-rpc.ts');
  await serve(process.argv.slice(2), process.stdin, process.stdout);
  process.exit(0); // idle pooled connections must not keep the engine alive after the CLI closes stdin
} catch (err) {
  // The CLI shows the engine's stderr when it dies.
  process.stderr.write(`${JSON.stringify({ level: 'ERROR', fields: { message: String(err?.stack ?? err) } })}\n`);
  process.exit(1);
}
