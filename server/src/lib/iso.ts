/** Dates leave the API as ISO strings (the dashboard formats them in the operator's locale). */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
