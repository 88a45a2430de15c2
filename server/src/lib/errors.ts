// The one error type the app throws on purpose. The error middleware turns it into
// `{ error: { code, message } }`; anything else becomes a 500 without details.
export class AppError extends Error {
  constructor(
    public readonly code: string,
    public readonly status: number,
    message: string,
    public readonly extra: { clerkTraceId?: string; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('not_found', 404, `${what} not found`);
export const badRequest = (message: string, details?: unknown) =>
  new AppError('bad_request', 400, message, { details });
