/**
 * Dates leave the API as ISO strings (the dashboard formats them in the operator's locale). A date the driver
 * could not read back (PostgreSQL holds years past 9999 that JavaScript's parser refuses) leaves as null rather
 * than failing the whole answer.
 */
export const iso = (d: Date | null | undefined): string | null =>
  d && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
