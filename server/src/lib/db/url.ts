// What a DATABASE_URL names: the provider, and for SQLite the file. The runtime client, the ingest SQL layer and
// the schema-engine tooling (server/tools/db/) all read URLs through these.
import { resolve } from 'node:path';

export type Provider = 'sqlite' | 'postgresql';

export function providerFromUrl(url: string): Provider {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(
    `unsupported DATABASE_URL "${redactUrl(url)}": expected file:… (SQLite) or postgres(ql)://… (PostgreSQL)`,
  );
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** `file:./data/x.db` → absolute path (relative to the process cwd, as better-sqlite3 resolves it). */
export function sqlitePathFromUrl(url: string): string {
  const path = url.replace(/^file:/, '').replace(/\?.*$/, '');
  return path === ':memory:' ? path : resolve(process.cwd(), path);
}
