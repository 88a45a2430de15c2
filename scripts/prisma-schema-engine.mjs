#!/usr/bin/env node
// placeholder, replaced below
process.stderr.write('prisma-schema-engine shim not implemented yet; use npm run db:migrate\n');
process.exit(1);
