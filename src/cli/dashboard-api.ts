// The dashboard's HTTP API, served by `dlab ui` beside the pages. It reads the run store (runs
// write it from other processes; WAL lets us read meanwhile) and streams what changes as
// server-sent events, found by polling the store every POLL_MS by the last row seen: no file
// watching. Animators of scripts (src/lab/animator.ts with DLAB_UI set) POST their points here.
//
//   GET  /api/runs                  every run (newest first): options, status, final metrics
//   GET  /api/runs/:id              { run, metrics }: the run and all its metric rows
//   GET  /api/runs/:id/events       SSE: `metrics` (new rows, after ?after=<row id>), then `end` once the run stops
//   GET  /api/events                SSE: `runs` (the list, whenever it changes), `animator` (new points)
//   POST /api/animator/:name        { options, points }: add points to a live Animator chart
//   GET  /api/animators             every Animator chart: { name: { options, points } }
//   GET  /reports/:id               the run's HTML report, rendered from the store now

import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderRunReport } from '../lab/report.node.js';
import type { AnimatorOptions, AnimatorPoint } from '../lab/animator.js';
import type { RunStore } from '../lab/store.node.js';

/** How often the event streams look at the store for new rows. */
export const POLL_MS = 250;

/** The largest Animator POST body read (a few thousand points). */
const MAX_BODY = 1 << 20;

interface AnimatorChart {
  options: AnimatorOptions;
  points: AnimatorPoint[];
}

type Send = (status: number, body: string, type?: string) => void;

export class DashboardApi {
  private readonly animators = new Map<string, AnimatorChart>();
  /** The open /api/events streams, told of each Animator POST at once. */
  private readonly listeners = new Set<(event: string, data: unknown) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private opened: RunStore | undefined;

  constructor(private readonly open: () => RunStore) {}

  get store(): RunStore {
    return (this.opened ??= this.open());
  }

  /** Answer `path` if it is the API's; false if not (a page file). */
  handle(req: IncomingMessage, res: ServerResponse, path: string, send: Send): boolean {
    const json = (value: unknown) => send(200, JSON.stringify(value), 'application/json');
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && (m = /^\/api\/animator\/([\w.-]+)$/.exec(path))) {
      this.receiveAnimator(req, m[1]!, send);
      return true;
    }
    if (!path.startsWith('/api/') && !path.startsWith('/reports/')) return false;
    if (req.method !== 'GET') {
      send(405, 'method not allowed');
      return true;
    }
    try {
      if (path === '/api/runs') json(this.store.listRuns());
      else if ((m = /^\/api\/runs\/(\d+)$/.exec(path))) json({ run: this.store.getRun(Number(m[1])), metrics: this.store.metrics(Number(m[1])) });
      else if ((m = /^\/api\/runs\/(\d+)\/events$/.exec(path))) this.runEvents(req, res, Number(m[1]), send);
      else if (path === '/api/events') this.events(res);
      else if (path === '/api/animators') json(Object.fromEntries(this.animators));
      else if ((m = /^\/reports\/(\d+)$/.exec(path))) {
        renderRunReport(this.store, Number(m[1])).then(
          (html) => send(200, html, 'text/html; charset=utf-8'),
          (e: Error) => send(404, e.message),
        );
      } else send(404, `no API endpoint ${path}`);
    } catch (e) {
      // The store names what is missing: "no run 7 in .../runs.db".
      send(404, (e as Error).message);
    }
    return true;
  }

  /** Stop every stream's polling and close the store (the server is closing). */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    this.listeners.clear();
    this.opened?.close();
    this.opened = undefined;
  }

  /** Open an SSE stream on `res`; `poll` runs now and every POLL_MS until it returns false or the client goes. */
  private stream(res: ServerResponse, poll: (emit: (event: string, data: unknown) => void) => boolean): (event: string, data: unknown) => void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders(); // the client's EventSource opens now, not at the first event
    const emit = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const stop = () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
    const tick = () => {
      if (!poll(emit)) {
        stop();
        res.end();
      }
    };
    const timer = setInterval(tick, POLL_MS);
    this.timers.add(timer);
    res.on('close', stop); // the page went away (or the server closes)
    tick();
    return emit;
  }

  /** New metric rows of one run as they land; `end` with its status once it no longer runs. */
  private runEvents(req: IncomingMessage, res: ServerResponse, id: number, send: Send): void {
    this.store.getRun(id); // a missing run is a 404, not an empty stream
    const given = new URL(req.url ?? '', 'http://x').searchParams.get('after') ?? '0';
    if (!/^\d+$/.test(given)) return send(400, `?after= takes a metric row id (a non-negative integer) but got '${given}'`);
    let after = Number(given);
    const rowsAfter = this.store.db.prepare('SELECT id, step, epoch, name, value FROM metrics WHERE run_id = ? AND id > ? ORDER BY id');
    this.stream(res, (emit) => {
      // The status first: rows written before the run ended are all there once it reads as ended.
      const run = this.store.getRun(id);
      const rows = rowsAfter.all(id, after) as { id: number; value: number | null }[];
      if (rows.length) {
        after = rows.at(-1)!.id;
        emit('metrics', rows.map((r) => ({ ...r, value: r.value ?? NaN })));
      }
      if (run.status === 'running' && !this.store.isOrphaned(run)) return true;
      emit('end', { status: run.status, final: run.final });
      return false;
    });
  }

  /** The run list whenever a run starts, ends or is removed; every Animator's new points. */
  private events(res: ServerResponse): void {
    const changes = this.store.db.prepare("SELECT COUNT(*) AS n, MAX(id) AS last, SUM(status = 'running') AS running, MAX(ended_at) AS ended FROM runs");
    let seen = '';
    const emit = this.stream(res, (send) => {
      const now = JSON.stringify(changes.get());
      if (now !== seen) {
        seen = now;
        send('runs', this.store.listRuns());
      }
      return true;
    });
    // A new (or reconnected) page gets every chart whole; `reset` says to drop what it had.
    for (const [name, chart] of this.animators) emit('animator', { name, ...chart, reset: true });
    this.listeners.add(emit);
    res.on('close', () => this.listeners.delete(emit));
  }

  private receiveAnimator(req: IncomingMessage, name: string, send: Send): void {
    let body = '';
    req.setEncoding('utf8');
    let tooLarge = false;
    req.on('data', (chunk: string) => {
      if (tooLarge) return;
      body += chunk;
      if (body.length > MAX_BODY && !tooLarge) {
        tooLarge = true;
        send(413, `animator ${name}: a POST of at most ${MAX_BODY} bytes, but got more; post fewer points at a time`);
      }
    });
    req.on('end', () => {
      if (tooLarge) return;
      let posted: { options?: AnimatorOptions; points?: AnimatorPoint[] };
      try {
        posted = JSON.parse(body);
        if (!Array.isArray(posted.points)) throw new Error('no points array');
      } catch (e) {
        return send(400, `animator ${name}: expected JSON { options, points: [{ x, y, series }] } but got ${body.slice(0, 80)} (${(e as Error).message})`);
      }
      const chart = this.animators.get(name) ?? { options: {}, points: [] };
      if (posted.options) chart.options = posted.options;
      chart.points.push(...posted.points);
      this.animators.set(name, chart);
      for (const emit of this.listeners) emit('animator', { name, options: chart.options, points: posted.points });
      send(204, '');
    });
  }
}
