import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorSummary, type Logger } from "../core/logger.ts";

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * One small HTTP server for every platform that pushes to us (Telegram webhook, Lark events),
 * so a deployment opens one port behind one reverse proxy. Routes are exact paths.
 */
export class WebhookServer {
  private readonly routes = new Map<string, HttpHandler>();
  private server: Server | null = null;

  constructor(private readonly opts: { host: string; port: number; log: Logger }) {}

  /** Adds a route; returns a function that removes it. */
  route(path: string, handler: HttpHandler): () => void {
    this.routes.set(path, handler);
    return () => {
      if (this.routes.get(path) === handler) this.routes.delete(path);
    };
  }

  async listen(): Promise<number> {
    if (this.server) return (this.server.address() as AddressInfo).port;
    const server = createServer((req, res) => void this.dispatch(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.opts.log.info("webhook server listening", { host: this.opts.host, port });
    return port;
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
    const handler = this.routes.get(path);
    if (!handler || req.method !== "POST") {
      res.writeHead(handler ? 405 : 404).end();
      req.resume();
      return;
    }
    try {
      await handler(req, res);
    } catch (err) {
      this.opts.log.error("webhook handler failed", { path, error: errorSummary(err) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  }
}

/** Reads a request body (bounded: platforms send small JSON). */
export function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
