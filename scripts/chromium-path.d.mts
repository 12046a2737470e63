/** Unpack (once) @sparticuz/chromium into the OS temp folder and return the browser's path. */
export function chromiumPath(): Promise<string>;
