// Types for build-web.mjs, so TypeScript callers (the browser test) can import it.
export declare const defaultOutdir: string;
export declare function buildWeb(options?: { outdir?: string; minify?: boolean }): Promise<string>;
export declare const defaultDashboardOutdir: string;
export declare function buildDashboard(options?: { outdir?: string; minify?: boolean }): Promise<string>;
