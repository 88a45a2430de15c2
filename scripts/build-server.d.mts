// Types for scripts/build-server.mjs (imported by the bench and tests).
export declare const ROOT: string;
export declare const WORKERS: Record<string, string>;
export declare const SERVER_NODE_OPTIONS: string[];
export declare function buildServer(opts?: { entry?: string; outdir?: string; name?: string }): Promise<string>;
