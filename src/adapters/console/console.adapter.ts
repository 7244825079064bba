import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Attachment, ChatAddress, ChatPort, Choice, InboundMessage, Reply } from "../../core/chat.ts";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../../core/private-files.ts";
import type { Router } from "../../core/router.ts";
import { DEFAULT_LOCALE, translator, type Translate } from "../../i18n/i18n.ts";
import { attachmentBuffer, attachmentBytes, safeFileName, sendsText } from "../attachments.ts";
import { consoleEvidence, renderConsoleReply, resolveConsoleInput } from "./console.mapper.ts";

export const CONSOLE_CHAT_ID = "terminal";

/** Lines that end the terminal chat, as Ctrl+D does. */
const QUIT_WORDS = new Set(["/quit", "/exit", "/q", "退出"]);

/**
 * Where the terminal saves attachments: an `exports` folder beside the database file, where the
 * operator also finds the log; ./exports for an in-memory database.
 */
export function consoleFilesDir(databaseFile: string): string {
  return databaseFile === ":memory:" ? path.resolve("exports") : path.join(path.dirname(path.resolve(databaseFile)), "exports");
}

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
      /** Where attachments (charts, exports) are saved; default ./exports in the working directory. */
      filesDir?: string;
      /** The language of the person at the terminal now (default zh-CN). */
      translate?: () => Translate | Promise<Translate>;
    },
  ) {}

  async send(_to: ChatAddress, reply: Reply): Promise<void> {
    // A pushed message (a reminder) is what a bare number now answers.
    this.lastChoices = reply.choices?.length ? reply.choices : undefined;
    await this.print(reply);
  }

  /**
   * The reply as one block: its text, then a line per attachment saying where it was saved. Never
   * throws: a failure here would stop the input loop; a file that cannot be saved is said so.
   */
  private async print(reply: Reply): Promise<void> {
    const lines: string[] = sendsText(reply) ? [renderConsoleReply(reply)] : [];
    const attachments = Array.isArray(reply.attachments) ? reply.attachments : [];
    if (attachments.length) {
      const t = await Promise.resolve(this.opts.translate?.() ?? translator(DEFAULT_LOCALE)).catch(() => translator(DEFAULT_LOCALE));
      const dir = path.resolve(this.opts.filesDir ?? "exports");
      for (const a of attachments) {
        const name = safeFileName({ name: String(a?.name ?? ""), mime: String(a?.mime ?? ""), kind: a?.kind });
        const file = await saveAttachment(dir, name, a).catch(() => null);
        lines.push(file ? t("console.attachment-saved", { name, path: file }) : t("console.attachment-failed", { name, dir }));
      }
    }
    if (lines.length) this.opts.output.write(lines.join("\n") + "\n\n");
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
      let quitting = false;
      rl.on("line", (line) => {
        // What a new user types to leave (the banner names /quit and Ctrl+D): what was typed
        // before it is still answered, nothing after it (pasted lines arrive all at once).
        if (quitting) return;
        if (QUIT_WORDS.has(line.trim().toLowerCase())) {
          quitting = true;
          this.queue = this.queue.then(() => rl.close());
          return;
        }
        this.queue = this.queue.then(async () => {
          if (!line.trim()) return prompt();
          const resolved = resolveConsoleInput(line, this.lastChoices);
          const evidence = resolved.isAction ? null : consoleEvidence(line);
          const msg: InboundMessage = {
            platform: "console",
            chatId: CONSOLE_CHAT_ID,
            userId: this.opts.userId ?? CONSOLE_CHAT_ID,
            text: evidence ? "" : resolved.text,
            isAction: resolved.isAction,
            ...(evidence ?? {}),
            // The local operator's own screen: private, and not rate-limited (a pasted script of
            // commands is normal use here).
            chatType: "private",
          };
          const replies = await this.opts.router.handle(msg);
          // Numbers answer the options of this answer only: after a reply without options (a
          // list, a confirmation) a bare "3" is text again, e.g. stop 3 of /today.
          this.lastChoices = [...replies].reverse().find((r) => r.choices?.length)?.choices;
          for (const r of replies) await this.print(r);
          for (const r of (await this.opts.afterLine?.()) ?? []) await this.print(r);
          prompt();
        });
      });
      rl.on("close", () => {
        void this.queue.then(() => resolve());
      });
    });
  }
}

/**
 * Writes the attachment into `dir` under its (already safe) name, never over an existing file:
 * "周报.png", then "周报-1.png", "周报-2.png", … Returns the absolute path.
 */
async function saveAttachment(dir: string, name: string, a: Attachment): Promise<string> {
  if (typeof a.base64 !== "string" || !attachmentBytes(a)) throw new Error("no content");
  const content = attachmentBuffer(a);
  // Owner-only, like the database beside it: charts and exports hold customer data.
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const dot = name.lastIndexOf(".");
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let n = 0; n < 1000; n++) {
    const file = path.join(dir, n ? `${base}-${n}${ext}` : name);
    try {
      // "wx": fails if the file exists, so two replies saving the same name never overwrite each other.
      await writeFile(file, content, { flag: "wx", mode: PRIVATE_FILE_MODE });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  throw new Error("no free file name");
}
