// npm run db:migrate — applies pending migrations to DATABASE_URL (default file:./data/clerk-sync.db).
// A script, so it reads the environment directly rather than through server/src/config.ts.
import { migrate } from '../../src/data/migrate.ts';
import { redactUrl } from '../../src/lib/db/url.ts';

const url = process.env.DATABASE_URL || 'file:./data/clerk-sync.db';
const started = Date.now();
try {
  const { applied } = await migrate(url, { log: (msg) => console.log(msg) });
  const took = `${Date.now() - started} ms`;
  console.log(
    applied.length === 0
      ? `${redactUrl(url)}: already up to date (${took})`
      : `${redactUrl(url)}: applied ${applied.length} migration(s) (${took})`,
  );
} catch (err) {
  console.error(`migration of ${redactUrl(url)} failed:`, err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
