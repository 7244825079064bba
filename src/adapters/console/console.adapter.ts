import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { ChatAddress, ChatPort, Choice, InboundMessage, Reply } from "../../core/chat.ts";
import type { Router } from "../../core/router.ts";
import { renderConsoleReply, resolveConsoleInput } from "./console.mapper.ts";

export const CONSOLE_CHAT_ID = "terminal";

/**
 * The terminal chat channel: one local user talking to the same router the real platforms use.
 * Lines in, replies out; numbered options stand in for buttons.
 */
export class ConsoleAdapter implements ChatPort {
  readonly platform = "console" as const;
  private lastChoices: Choice[] | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: {
      router: Router;
      input: Readable;
      output: Writable;
      userId?: string;
      interactive?: boolean;
      /** After each answered line (the person at the terminal may have changed with /as). */
      afterLine?: () => Promise<Reply[]>;
    },
  ) {}

  async send(_to: ChatAddress, reply: Reply): Promise<void> {
    // A pushed message (a reminder) is what a bare number now answers.
    this.lastChoices = reply.choices?.length ? reply.choices : undefined;
    this.print(reply);
  }

  private print(reply: Reply): void {
    this.opts.output.write(renderConsoleReply(reply) + "\n\n");
  }

  write(text: string): void {
    this.opts.output.write(text + "\n");
  }

  /** Processes lines one at a time, in order; resolves when the input ends. */
  run(): Promise<void> {
    // With a terminal, readline must own the output too, or it switches the TTY to raw mode
    // without echoing what the user types.
    const interactive = this.opts.interactive ?? false;
    const rl = createInterface({ input: this.opts.input, output: interactive ? this.opts.output : undefined, terminal: interactive });
    rl.setPrompt("> ");
    const prompt = () => {
      if (interactive) rl.prompt();
    };
    prompt();
    return new Promise((resolve) => {
      rl.on("line", (line) => {
        this.queue = this.queue.then(async () => {
          if (!line.trim()) return prompt();
          const resolved = resolveConsoleInput(line, this.lastChoices);
          const msg: InboundMessage = {
            platform: "console",
            chatId: CONSOLE_CHAT_ID,
            userId: this.opts.userId ?? CONSOLE_CHAT_ID,
            text: resolved.text,
            isAction: resolved.isAction,
          };
          const replies = await this.opts.router.handle(msg);
          // Numbers answer the options of this answer only: after a reply without options (a
          // list, a confirmation) a bare "3" is text again, e.g. stop 3 of /today.
          this.lastChoices = [...replies].reverse().find((r) => r.choices?.length)?.choices;
          for (const r of replies) this.print(r);
          for (const r of (await this.opts.afterLine?.()) ?? []) this.print(r);
          prompt();
        });
      });
      rl.on("close", () => {
        void this.queue.then(() => resolve());
      });
    });
  }
}
