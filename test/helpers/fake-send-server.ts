import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatAddress, ChatPort, Platform, Reply, SendOptions } from "../../src/core/chat.ts";

/** One message as the fake platform received it. */
export interface Received {
  key: string;
  chatId: string;
  text: string;
}

/**
 * A platform on 127.0.0.1 that accepts `POST /send` and answers after `delayMs`, so a process
 * killed mid-dispatch really has sends in flight. Counts every request, duplicates included.
 */
export class FakeSendServer {
  readonly received: Received[] = [];
  /** Requests read but not answered yet. */
  open = 0;
  private server: Server | null = null;

  constructor(private readonly delayMs = 20) {}

  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        this.received.push(JSON.parse(body) as Received);
        this.open++;
        setTimeout(() => {
          this.open--;
          res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A chat port that sends through `FakeSendServer` over HTTP (what a real adapter does, minus the SDK). */
export class HttpChatPort implements ChatPort {
  constructor(
    readonly platform: Platform,
    private readonly port: number,
  ) {}

  async send(to: ChatAddress, reply: Reply, opts?: SendOptions): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.port}/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: opts?.key ?? "", chatId: to.chatId, text: reply.text }),
    });
    if (!res.ok) throw new Error(`fake platform answered ${res.status}`);
    await res.arrayBuffer();
  }
}
