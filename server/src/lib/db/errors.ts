// Classifies database errors for callers that must tell "the database is unavailable, try again later" (→ 503,
// let Svix retry) from logic errors. Errors arrive in many wrappings: Prisma's PrismaClient*Error (code P…,
// meta.driverAdapterError), the adapters' DriverAdapterError (cause: { kind, originalCode, originalMessage }),
// raw better-sqlite3 SqliteError (code SQLITE_…), raw pg errors (SQLSTATE code or Node errno), AggregateError
// (pg trying several addresses). So walk the whole graph and look at every code, kind and message.

interface ErrorFacts {
  codes: Set<string>;
  kinds: Set<string>;
  messages: string[];
}

function collect(err: unknown): ErrorFacts {
  const facts: ErrorFacts = { codes: new Set(), kinds: new Set(), messages: [] };
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8) return;
    seen.add(value);
    const v = value as Record<string, unknown>;
    for (const key of ['code', 'originalCode', 'errorCode']) {
      if (typeof v[key] === 'string') facts.codes.add(v[key] as string);
    }
    if (typeof v.kind === 'string') facts.kinds.add(v.kind);
    for (const key of ['message', 'originalMessage']) {
      if (typeof v[key] === 'string') facts.messages.push(v[key] as string);
    }
    visit(v.cause, depth + 1);
    visit(v.meta, depth + 1);
    visit(v.driverAdapterError, depth + 1);
    if (Array.isArray(v.errors)) for (const e of v.errors) visit(e, depth + 1);
  };
  visit(err, 0);
  return facts;
}

// SQLite primary result codes that mean the file cannot be used right now (extended codes share the prefix,
// e.g. SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED).
const SQLITE_UNAVAILABLE = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_PERM',
  'SQLITE_NOLFS',
  'SQLITE_PROTOCOL',
];

// Node socket / filesystem errno codes.
const ERRNO_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENOSPC',
  'EROFS',
  'EDQUOT',
]);

// PostgreSQL SQLSTATEs: whole classes 08 (connection), 53 (insufficient resources: disk full, out of memory,
// too many connections), 57P (server shutting down / starting), 58 (system / I/O error); plus
// read-only transaction (standby), missing database, rejected credentials.
const PG_UNAVAILABLE_CLASSES = /^(08|53|57P|58)[0-9A-Z]{2,3}$/;
const PG_UNAVAILABLE = new Set(['25006', '3D000', '28000', '28P01']);

// Prisma error codes: P1001 can't reach, P1002 timed out, P1003 database missing, P1008 operation timed out,
// P1010 access denied, P1011 TLS, P1017 server closed the connection, P1000 authentication, P2024 pool timeout,
// P2037 too many connections.
const PRISMA_UNAVAILABLE = new Set([
  'P1000',
  'P1001',
  'P1002',
  'P1003',
  'P1008',
  'P1010',
  'P1011',
  'P1017',
  'P2024',
  'P2037',
]);

// DriverAdapterError kinds (@prisma/driver-adapter-utils). SocketTimeout is what SQLITE_BUSY maps to.
const KINDS_UNAVAILABLE = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'ConnectionClosed',
  'TlsConnectionError',
  'TooManyConnections',
  'SocketTimeout',
]);

// Errors that reach us without any code (pg raises plain Errors for dropped connections).
const MESSAGES_UNAVAILABLE = [
  /connection terminated/i,
  /terminating connection/i,
  /timeout exceeded when trying to connect/i,
  /connection (is )?(closed|ended)/i,
  /client has encountered a connection error/i,
  /can't reach database server/i,
  /server closed the connection/i,
  /database is locked/i,
  /attempt to write a readonly database/i,
  /unable to open database file/i,
  /database or disk is full/i,
  /disk i\/o error/i,
];

/** True when the error means the database cannot be used right now (unreachable, locked, read-only, full). */
export function isStorageUnavailable(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const facts = collect(err);
  // A logic error that happens to mention e.g. "locked" is still a logic error.
  if (isUniqueViolationFacts(facts)) return false;
  for (const code of facts.codes) {
    if (SQLITE_UNAVAILABLE.some((c) => code === c || code.startsWith(`${c}_`))) return true;
    if (ERRNO_UNAVAILABLE.has(code)) return true;
    if (PG_UNAVAILABLE.has(code) || PG_UNAVAILABLE_CLASSES.test(code)) return true;
    if (PRISMA_UNAVAILABLE.has(code)) return true;
  }
  for (const kind of facts.kinds) if (KINDS_UNAVAILABLE.has(kind)) return true;
  return facts.messages.some((m) => MESSAGES_UNAVAILABLE.some((re) => re.test(m)));
}

function isUniqueViolationFacts(facts: ErrorFacts): boolean {
  return (
    facts.kinds.has('UniqueConstraintViolation') ||
    facts.codes.has('P2002') ||
    facts.codes.has('23505') ||
    facts.codes.has('SQLITE_CONSTRAINT_UNIQUE') ||
    facts.codes.has('SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/** True for a unique-constraint violation (Prisma P2002, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, pg 23505). */
export function isUniqueViolation(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  return isUniqueViolationFacts(collect(err));
}
