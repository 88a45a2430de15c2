import type { NextFunction, Request, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import type { OperatorDto } from '../contract.ts';
import type { AuthService } from './auth.service.ts';
import { AppError } from '../lib/errors.ts';

export const SESSION_COOKIE = 'csm_session';

export function sessionToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE];
}

/** Puts the signed-in operator on res.locals.operator, or answers 401 JSON. */
export function requireOperator(auth: AuthService) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const operator = await auth.authenticate(sessionToken(req.headers.cookie));
    if (!operator) throw new AppError('unauthorized', 401, 'Sign in first');
    res.locals.operator = operator;
    next();
  };
}

export function currentOperator(res: Response): OperatorDto {
  return res.locals.operator as OperatorDto;
}
