// Worker threads do not inherit the main thread's `--import tsx`: register tsx here, then load
// the TypeScript worker (its URL in workerData.entry).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
