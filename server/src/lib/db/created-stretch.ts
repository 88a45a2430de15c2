// How reconcile reads the local rows a page of Clerk's list covers: those whose Clerk created_at falls in a stretch,
// in (created_at, id) order — the order Clerk lists them in — resuming after the last one read.

/** A stretch of Clerk created_at, [from, to] (null: open), read in (created_at, id) order after `after`. */
export interface CreatedStretch {
  from: Date | null;
  to: Date | null;
  after: { createdAt: Date; id: string } | null;
  take: number;
}

/** findMany arguments for a table with a nullable `clerkCreatedAt` and a string `id`: the rows of the stretch. */
export function createdStretchArgs(w: CreatedStretch) {
  return {
    where: {
      AND: [
        { clerkCreatedAt: { not: null } },
        w.from ? { clerkCreatedAt: { gte: w.from } } : {},
        w.to ? { clerkCreatedAt: { lte: w.to } } : {},
        w.after
          ? {
              OR: [
                { clerkCreatedAt: { gt: w.after.createdAt } },
                { clerkCreatedAt: w.after.createdAt, id: { gt: w.after.id } },
              ],
            }
          : {},
      ],
    },
    orderBy: [{ clerkCreatedAt: 'asc' as const }, { id: 'asc' as const }],
    take: w.take,
  };
}

/** findMany arguments for the rows no stretch holds (no Clerk created_at: tombstones never seen alive), by id. */
export function withoutCreatedAtArgs(afterId: string | null, take: number) {
  return {
    where: { clerkCreatedAt: null, ...(afterId === null ? {} : { id: { gt: afterId } }) },
    orderBy: { id: 'asc' as const },
    take,
  };
}
