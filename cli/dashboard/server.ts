import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors';
import {
  acknowledgeEvent, BadRequest, checkFilters, eventDetail, eventPage, eventsOverTime, InventoryCache, lastRunFailures, loadFacets, pageOf, resourceDetail,
  summary, type Facets,
} from './data';
import { dashboardPage } from './page';
import type { StoreAccess } from './store-access';

/** The header a write must carry, with the token the page reads from its own HTML. */
export const TOKEN_HEADER = 'x-cloudtap-token';
/** The only address the dashboard listens on: it serves no one but this machine's user. */
export const LOOPBACK = '127.0.0.1';
const MAX_BODY_BYTES = 16 * 1024;
const MAX_NOTE_CHARS = 2000;
/** How long the filters' values (read from every stored event) are reused before they are read again. */
const FACETS_TTL_MS = 10_000;

export interface DashboardOptions {
  store: StoreAccess;
  /** Where the data comes from, for the page's header: `the store in .cloudtap/`, `stack "Cloudtap" in eu-west-1`. */
  source: string;
  /** 0 picks a free port. */
  port: number;
  /** Who acknowledges from the page: the user running the dashboard. */
  user: string;
  /** Seconds between the page's refreshes. */
  refreshSeconds?: number;
}

export interface Dashboard {
  url: string;
  port: number;
  /** The per-process token a write must carry (in TOKEN_HEADER). */
  token: string;
  close(): Promise<void>;
}

/** Serves the dashboard on 127.0.0.1:port until closed. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const token = randomBytes(24).toString('hex');
  let port = options.port;
  let facets: { at: number; value: Promise<Facets> } | undefined;
  const inventory = new InventoryCache();
  const currentFacets = (): Promise<Facets> => {
    if (!facets || Date.now() - facets.at > FACETS_TTL_MS) {
      const value = options.store.use((w) => loadFacets(w.db));
      facets = { at: Date.now(), value };
      value.catch(() => { facets = undefined; });
    }
    return facets.value;
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendError(response, error));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const allowedHosts = [`${LOOPBACK}:${port}`, `localhost:${port}`];
    // A page on another site may resolve its own name to 127.0.0.1 (DNS rebinding): only our own names are served.
    if (!allowedHosts.includes(request.headers.host ?? '')) {
      return sendJson(response, 403, { error: `refused: Host "${request.headers.host ?? ''}" is not this dashboard's (${allowedHosts.join(' or ')}); open http://${LOOPBACK}:${port}/` });
    }
    const url = new URL(request.url ?? '/', `http://${LOOPBACK}:${port}`);
    const path = url.pathname;
    const method = request.method ?? 'GET';

    if (path === '/' || path === '/index.html') {
      requireMethod(method, 'GET');
      const nonce = randomBytes(16).toString('base64');
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      response.end(dashboardPage({ token, nonce, source: options.source, refreshSeconds: options.refreshSeconds ?? 15 }));
      return;
    }
    if (path === '/favicon.ico') {
      response.writeHead(204, { 'cache-control': 'max-age=86400' });
      response.end();
      return;
    }
    if (!path.startsWith('/api/')) throw new BadRequest(`no page at ${path}; the dashboard is at /`, 404);

    const ackMatch = /^\/api\/events\/([^/]+)\/ack$/.exec(path);
    if (ackMatch) {
      requireMethod(method, 'POST');
      checkWrite(request, token, allowedHosts);
      const eventId = decodeSegment(ackMatch[1] ?? '');
      const body = await readJsonBody(request);
      const note = typeof body.note === 'string' ? body.note.trim() : '';
      if (!note) throw new BadRequest('note: required — say what you did or why; it is kept in the event\'s history');
      if (note.length > MAX_NOTE_CHARS) throw new BadRequest(`note: at most ${MAX_NOTE_CHARS} characters, got ${note.length}`);
      const result = await options.store.use((w) => acknowledgeEvent(w.db, eventId, { note, by: options.user, at: new Date().toISOString() }));
      return sendJson(response, 200, result);
    }

    requireMethod(method, 'GET');
    const now = new Date().toISOString();
    if (path === '/api/summary') return sendJson(response, 200, await options.store.use((w) => summary(w.db, { generatedAt: now, source: options.source, inventory })));
    if (path === '/api/timeline') return sendJson(response, 200, await options.store.use((w) => eventsOverTime(w.db, now)));
    if (path === '/api/failures') return sendJson(response, 200, await options.store.use((w) => lastRunFailures(w.db)));
    if (path === '/api/facets') return sendJson(response, 200, await currentFacets());
    if (path === '/api/events') {
      const filters = checkFilters(url.searchParams, await currentFacets(), ['offset', 'limit']);
      const page = pageOf(url.searchParams);
      return sendJson(response, 200, await options.store.use((w) => eventPage(w.db, filters, page)));
    }
    const eventMatch = /^\/api\/events\/([^/]+)$/.exec(path);
    if (eventMatch) return sendJson(response, 200, await options.store.use((w) => eventDetail(w.db, decodeSegment(eventMatch[1] ?? ''))));
    const resourceMatch = /^\/api\/resources\/([^/]+)$/.exec(path);
    if (resourceMatch) return sendJson(response, 200, await options.store.use((w) => resourceDetail(w.db, decodeSegment(resourceMatch[1] ?? ''))));
    throw new BadRequest(`no API at ${path}; there are /api/summary, /api/timeline, /api/failures, /api/facets, /api/events[/<id>[/ack]], /api/resources/<id>`, 404);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    token,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await options.store.close();
    },
  };
}

class Forbidden extends Error {
  override readonly name = 'Forbidden';
}

class MethodNotAllowed extends Error {
  override readonly name = 'MethodNotAllowed';
  constructor(readonly allowed: string, method: string) {
    super(`${method} is not allowed here; use ${allowed}`);
  }
}

function requireMethod(method: string, allowed: 'GET' | 'POST'): void {
  if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return;
  throw new MethodNotAllowed(allowed, method);
}

/**
 * A write must come from the dashboard's own page: another site's page can send a POST to 127.0.0.1 but cannot
 * read the token out of our HTML, and its Origin is its own.
 */
function checkWrite(request: IncomingMessage, token: string, allowedHosts: string[]): void {
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedHosts.some((host) => origin === `http://${host}`)) {
    throw new Forbidden(`refused: a write from origin "${origin}"; acknowledge from the dashboard's own page`);
  }
  const given = request.headers[TOKEN_HEADER];
  const expected = Buffer.from(token);
  const actual = Buffer.from(typeof given === 'string' ? given : '');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new Forbidden(`refused: a write needs the dashboard's token in the ${TOKEN_HEADER} header (the page carries it); reload the page if the dashboard was restarted`);
  }
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) throw new BadRequest('a write takes a JSON body: Content-Type: application/json, e.g. {"note": "…"}');
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch (error) {
    throw new BadRequest(`the body is not JSON (${(error as Error).message}); send {"note": "…"}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the body must be a JSON object, e.g. {"note": "…"}');
  return body as Record<string, unknown>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequest(`"${segment}" is not a valid URL path segment`);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (error instanceof BadRequest) return sendJson(response, error.status, { error: error.message });
  if (error instanceof Forbidden) return sendJson(response, 403, { error: error.message });
  if (error instanceof MethodNotAllowed) return sendJson(response, 405, { error: error.message }, { allow: error.allowed });
  // The store in use by a run, missing tables, an AWS answer: the page shows the message and retries on its next refresh.
  if (error instanceof UsageError) return sendJson(response, 503, { error: error.message });
  const e = error instanceof Error ? error : new Error(String(error));
  sendJson(response, 500, { error: `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` });
}
