// Where a diffusers folder's files come from: the file system in Node (files.node.ts, found
// through the '#model-files' import), anything else (fetch, a zip, a test's map) by passing a
// ModelFiles. Paths are relative to the folder, with '/' separators ('unet/config.json').

/** Read access to one model folder. */
export interface ModelFiles {
  /** A readable name for messages (the folder's path). */
  readonly name: string;
  /** The file's bytes, or undefined when the folder has no such file. */
  read(path: string): Uint8Array | undefined;
}

/** ModelFiles over an in-memory map of path → bytes (tests, a browser page that fetched the files). */
export function memoryFiles(name: string, files: Record<string, Uint8Array>): ModelFiles {
  return { name, read: (path) => files[path] };
}

const utf8 = new TextDecoder('utf-8');

/** A file's text, or undefined when absent. */
export function readText(files: ModelFiles, path: string): string | undefined {
  const bytes = files.read(path);
  return bytes === undefined ? undefined : utf8.decode(bytes);
}

/** A JSON file, parsed; `required` makes absence an error naming the folder and file. */
export function readJson(files: ModelFiles, path: string, required: true): Record<string, unknown>;
export function readJson(files: ModelFiles, path: string, required?: boolean): Record<string, unknown> | undefined;
export function readJson(files: ModelFiles, path: string, required = false): Record<string, unknown> | undefined {
  const text = readText(files, path);
  if (text === undefined) {
    if (required) throw new Error(`${files.name}: ${path} is missing`);
    return undefined;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${files.name}/${path}: not valid JSON (${(e as Error).message})`);
  }
}
