import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorSummary, type Logger } from "../core/logger.ts";

/**
 * A route's access to the request body, bounded by the server's limit. Handlers check whatever
 * they can from the headers (secret token, signature headers, timestamp) before calling it, so an
 * unauthenticated sender never gets more than the headers read.
 */
export interface WebhookBody {
  /** The server's body limit in bytes. */
  readonly limit: number;
  /** The whole body; rejects with HttpStatusError 413 past `limit` (capped at the server's limit). */
  read(limit?: number): Promise<Buffer>;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, body: WebhookBody) => void | Promise<void>;

/** An answer a handler wants sent instead of its normal reply (bad request, body too large). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpStatusError";
  }
}

/** The client went away (closed or reset the socket) before its request arrived whole. */
export class ClientGoneError extends Error {
  constructor() {
    super("client went away");
    this.name = "ClientGoneError";
  }
}

export interface WebhookServerOptions {
  host: string;
  port: number;
  log: Logger;
  /** Largest body accepted on any route, in bytes (default 256 KB: Telegram updates and Lark events are a few KB). */
  bodyLimit?: number;
  /** Time allowed for a request's headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time allowed for a whole request, headers and body (default 30 s). Not the time we take to answer. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** Open connections at most; more are closed on arrival (default 256; the Bot API opens up to 40). */
  maxConnections?: number;
  /**
   * How often Node looks for requests past the two timeouts above (default 1 s); a slow sender is
   * closed at most this much after its deadline. Node's own default is 30 s.
   */
  timeoutCheckIntervalMs?: number;
}

export const WEBHOOK_DEFAULTS = {
  bodyLimit: 256 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  timeoutCheckIntervalMs: 1_000,
} as const;

/**
 * One small HTTP server for every platform that pushes to us (Telegram webhook, Lark events),
 * so a deployment opens one port behind one reverse proxy. Routes are exact paths.
 *
 * The port is open to the internet, so the server bounds what a sender can cost us before any
 * route has authenticated it: a body limit (413, the rest never buffered), header and request
 * timeouts (Node's defaults keep a slow socket for 5 minutes) and a connection cap.
 */
export class WebhookServer {
  private readonly routes = new Map<string, HttpHandler>();
  private readonly getRoutes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  private server: Server | null = null;
  private active = 0;
  readonly bodyLimit: number;

  constructor(private readonly opts: WebhookServerOptions) {
    this.bodyLimit = opts.bodyLimit ?? WEBHOOK_DEFAULTS.bodyLimit;
  }

  /** Adds a route; returns a function that removes it. */
  route(path: string, handler: HttpHandler): () => void {
    this.routes.set(path, handler);
    return () => {
      if (this.routes.get(path) === handler) this.routes.delete(path);
    };
  }

  /** Adds a GET route (no body is read: /healthz); returns a function that removes it. */
  get(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): () => void {
    this.getRoutes.set(path, handler);
    return () => {
      if (this.getRoutes.get(path) === handler) this.getRoutes.delete(path);
    };
  }

  async listen(): Promise<number> {
    if (this.server) return (this.server.address() as AddressInfo).port;
    const o = this.opts;
    const requestTimeout = o.requestTimeoutMs ?? WEBHOOK_DEFAULTS.requestTimeoutMs;
    // Node refuses a headers timeout longer than the request timeout.
    const headersTimeout = Math.min(o.headersTimeoutMs ?? WEBHOOK_DEFAULTS.headersTimeoutMs, requestTimeout);
    const server = createServer(
      { headersTimeout, requestTimeout, connectionsCheckingInterval: o.timeoutCheckIntervalMs ?? WEBHOOK_DEFAULTS.timeoutCheckIntervalMs },
      (req, res) => void this.dispatch(req, res),
    );
    server.keepAliveTimeout = o.keepAliveTimeoutMs ?? WEBHOOK_DEFAULTS.keepAliveTimeoutMs;
    server.maxConnections = o.maxConnections ?? WEBHOOK_DEFAULTS.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    o.log.info("webhook server listening", { host: o.host, port });
    return port;
  }

  /** Requests whose route handler is running now (tests; shutdown diagnostics). */
  get activeRequests(): number {
    return this.active;
  }

  get port(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const getter = req.method === "GET" || req.method === "HEAD" ? this.getRoutes.get(path) : undefined;
    if (getter) {
      try {
        return getter(req, res);
      } catch (err) {
        this.opts.log.error("http handler failed", { path, error: errorSummary(err) });
        return refuse(req, res, 500);
      }
    }
    const handler = this.routes.get(path);
    if (!handler || req.method !== "POST") return refuse(req, res, handler ? 405 : 404);
    // A declared length over the limit is refused before a byte of the body is read.
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > this.bodyLimit) return refuse(req, res, 413);
    const limit = this.bodyLimit;
    const body: WebhookBody = { limit, read: (max) => readBody(req, Math.min(max ?? limit, limit)) };
    this.active++;
    try {
      await handler(req, res, body);
    } catch (err) {
      // The sender left: nobody to answer, and nothing wrong with us.
      // (Not req.destroyed: a request stream is destroyed after its body was read whole.)
      if (err instanceof ClientGoneError || res.destroyed || req.socket.destroyed) return;
      if (err instanceof HttpStatusError) {
        if (!res.headersSent) return refuse(req, res, err.status);
        return void res.end();
      }
      this.opts.log.error("webhook handler failed", { path, error: errorSummary(err) });
      // The stack stays in our log; the sender gets a bare 500.
      if (!res.headersSent) return refuse(req, res, 500);
      res.end();
    } finally {
      this.active--;
    }
  }
}

/**
 * Answers with a bare status. When the body has not arrived whole, the connection is closed after
 * the answer: otherwise Node would read (and discard) the rest to keep the connection alive.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, bodyPending(req) ? { connection: "close" } : {}).end();
}

/** Whether part of the request body may still be unread on the socket. */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete || req.readableEnded) return false;
  // `complete` is only set once the parser has passed the body, which is after the route runs.
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/**
 * Reads a request body up to `limit` bytes. Past the limit it stops reading at once and rejects
 * with 413; the caller's answer then closes the connection, so the rest is never buffered.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Gone before we got here: its 'close' has fired already and would never reach the listeners below.
    if (req.readableEnded) return reject(new Error("request body already read"));
    if (req.destroyed) return reject(new ClientGoneError());
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done();
        req.pause();
        chunks.length = 0;
        reject(new HttpStatusError(413, "request body too large"));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      done();
      reject(new ClientGoneError());
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onGone);
    req.once("close", onGone);
  });
}

/** A JSON object body; anything else (invalid JSON, null, an array, a number, a string) is a 400. */
export function parseJsonObject(raw: Buffer | string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
  } catch {
    throw new HttpStatusError(400, "body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HttpStatusError(400, "body is not a JSON object");
  return value as Record<string, unknown>;
}
