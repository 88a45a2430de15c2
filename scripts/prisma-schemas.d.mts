// Types for scripts/prisma-schemas.mjs (imported by TypeScript scripts and tests).
export declare const ROOT: string;
export declare const PROVIDERS: readonly ['sqlite', 'postgresql'];
export declare const MODELS_PATH: string;
export declare function schemaPath(provider: 'sqlite' | 'postgresql'): string;
export declare function buildSchema(provider: 'sqlite' | 'postgresql', models?: string): string;
export declare function writeSchemas(): string[];
