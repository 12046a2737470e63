/// <reference types="node" />
// The hub client's settings from the environment, read as huggingface_hub's constants.py reads
// them, so `dlab pull` and Python tools agree on where the cache is and which hub they talk to.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface HubSettings {
  /** HF_ENDPOINT without a trailing '/' (default https://huggingface.co). */
  endpoint: string;
  /** The hub cache: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub. */
  cacheDir: string;
  /** HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file $HF_TOKEN_PATH ($HF_HOME/token). */
  token: string | undefined;
  /** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is 1/ON/YES/TRUE: the cache only, no request. */
  offline: boolean;
  /** Milliseconds for the API and metadata requests (HF_HUB_ETAG_TIMEOUT, default 10 s). */
  metadataTimeout: number;
  /** Milliseconds a file download may wait to connect or between two pieces (HF_HUB_DOWNLOAD_TIMEOUT, default 10 s). */
  downloadTimeout: number;
}

type Env = Record<string, string | undefined>;

// os.path.expanduser then expandvars, as constants.py does for every path.
const expand = (path: string, env: Env) =>
  path.replace(/^~(?=$|\/)/, homedir()).replace(/\$(\w+)|\$\{(\w+)\}/g, (all, a: string, b: string) => env[a ?? b] ?? all);

const isTrue = (value: string | undefined) => value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.toUpperCase());

function seconds(env: Env, name: string): number {
  const text = env[name];
  if (text === undefined || text === '') return 10_000;
  // constants.py reads them with int(); a bad value is an error there too.
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number of seconds, but got '${text}'`);
  return value * 1000;
}

/** HF_HOME: $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: Env = process.env): string {
  return expand(env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface'), env);
}

export function hubSettings(env: Env = process.env): HubSettings {
  const home = hfHome(env);
  let token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  if (!token) {
    const path = expand(env.HF_TOKEN_PATH || join(home, 'token'), env);
    if (existsSync(path)) token = readFileSync(path, 'utf8').trim() || undefined;
  }
  return {
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    cacheDir: expand(env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(home, 'hub'), env),
    token,
    offline: isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE),
    metadataTimeout: seconds(env, 'HF_HUB_ETAG_TIMEOUT'),
    downloadTimeout: seconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT'),
  };
}
