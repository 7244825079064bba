/**
 * Plans computed off the event loop: a pool of worker threads running the pure `planVisits`.
 *
 * A plan costs seconds of CPU per manager; on the main thread it stopped every chat platform and
 * the scheduler while it ran. Here at most `size` plans run at once (by default one per core but
 * one, which stays with the event loop), each worker one plan at a time; further plans wait in a
 * FIFO queue. Keeping one plan per manager at a time is the caller's job (generatePlan serialises).
 *
 * Workers start on demand and are reused. Like the chart renderer, a worker is unref'd while idle,
 * so it never keeps a CLI process alive, and ref'd while a plan it runs is awaited. A worker that
 * crashes, or stops answering for STALL_MS, is dropped and its caller gets an AppError with a user
 * message; the next plan starts a fresh worker. An error thrown by the planner itself is handed
 * back (an AppError keeps its code and user message) and the worker lives on.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { AppError, type AppErrorCode } from "../../core/errors.ts";
import type { PlanInput, PlanResult } from "./planner.ts";
import type { PlanRequest, PlanResponse } from "./plan.worker.ts";

/** A plan takes seconds; a worker silent this long is stuck, not busy. Never decides a plan's content. */
const STALL_MS = 10 * 60_000;
/** What a plan is assumed to take before one was measured (a 300-customer manager today). */
const FIRST_GUESS_MS = 3_000;

/** Default pool size: every core but one for the event loop, at least one. */
export function defaultPlanWorkers(cores: number = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

interface Task {
  input: PlanInput;
  crash?: boolean;
  resolve: (r: PlanResult) => void;
  reject: (err: Error) => void;
}

function workerFailed(detail: string, cause?: unknown): AppError {
  return new AppError("plan.worker", { message: `plan worker failed: ${detail}`, userMessage: { key: "plan.worker-failed" }, cause });
}

/** One worker thread and the plan it is running (if any). */
class PlanWorker {
  private readonly worker: Worker;
  private task: (Task & { id: number; startedAt: number }) | undefined;
  private nextId = 1;
  private stallTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly onIdle: (w: PlanWorker, tookMs: number) => void,
    private readonly onGone: (w: PlanWorker) => void,
  ) {
    // No inherited flags: the entry point sets up its own TypeScript loader (see chart.ts).
    this.worker = new Worker(new URL("./plan.worker.mjs", import.meta.url), { execArgv: [] });
    this.worker.unref();
    this.worker.on("message", (res: PlanResponse) => this.answer(res));
    this.worker.on("error", (err) => this.stop(workerFailed(`crashed: ${err.message}`, err)));
    this.worker.on("messageerror", (err) => this.stop(workerFailed(`sent an unreadable message: ${err.message}`, err)));
    this.worker.on("exit", (code) => this.stop(workerFailed(`stopped unexpectedly (exit code ${code})`)));
  }

  get busy(): boolean {
    return this.task !== undefined;
  }

  run(task: Task): void {
    if (this.stopped) {
      task.reject(workerFailed("worker is stopped"));
      return;
    }
    const id = this.nextId++;
    const request: PlanRequest = { id, input: task.input, ...(task.crash ? { crash: true } : {}) };
    try {
      this.worker.postMessage(request);
    } catch (err) {
      // The input could not be copied to the worker (a caller bug, e.g. a function in it): the
      // worker is fine and stays idle.
      task.reject(workerFailed(`input could not be sent: ${(err as Error).message}`, err));
      this.onIdle(this, 0);
      return;
    }
    this.task = { ...task, id, startedAt: performance.now() };
    this.worker.ref();
    this.stallTimer = setTimeout(() => {
      this.stop(workerFailed(`gave no answer for ${STALL_MS / 1000} s`));
      void this.worker.terminate();
    }, STALL_MS);
    // The ref'd worker already keeps the process alive while the plan is awaited.
    this.stallTimer.unref();
  }

  async close(): Promise<void> {
    this.stop(workerFailed("pool was closed before the plan was made"));
    await this.worker.terminate();
  }

  private answer(res: PlanResponse): void {
    const task = this.task;
    if (!task || task.id !== res.id) return;
    this.task = undefined;
    clearTimeout(this.stallTimer);
    this.worker.unref();
    if ("result" in res) task.resolve(res.result);
    else if (res.code && res.userMessage) task.reject(new AppError(res.code as AppErrorCode, { message: res.error, userMessage: res.userMessage }));
    else task.reject(workerFailed(`planner threw: ${res.error}`));
    this.onIdle(this, performance.now() - task.startedAt);
  }

  /** Rejects the plan in progress and hands the slot back, so the next plan starts a fresh worker. */
  private stop(reason: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.stallTimer);
    this.worker.unref();
    const task = this.task;
    this.task = undefined;
    this.onGone(this);
    task?.reject(reason);
  }
}

export class PlanPool {
  readonly size: number;
  private readonly workers = new Set<PlanWorker>();
  private readonly idle: PlanWorker[] = [];
  private readonly queue: Task[] = [];
  private averageMs = FIRST_GUESS_MS;
  private closed = false;

  constructor(opts: { size?: number } = {}) {
    this.size = Math.max(1, Math.floor(opts.size ?? defaultPlanWorkers()));
  }

  /** The plan for `input`, exactly what `planVisits(input)` returns, computed in a worker thread. */
  plan(input: PlanInput, opts: { crashForTest?: boolean } = {}): Promise<PlanResult> {
    if (this.closed) return Promise.reject(workerFailed("pool is closed"));
    return new Promise<PlanResult>((resolve, reject) => {
      this.queue.push({ input, crash: opts.crashForTest, resolve, reject });
      this.pump();
    });
  }

  /** Worker threads alive (busy or idle). */
  get workerCount(): number {
    return this.workers.size;
  }

  /** Plans running or waiting. */
  get load(): number {
    return this.queue.length + [...this.workers].filter((w) => w.busy).length;
  }

  /**
   * Rough wait for a plan asked for now: the plans ahead of it in rounds of `size`, at the average
   * time a plan took here. For telling a person "about a minute", never for deciding anything.
   */
  estimateMs(): number {
    return Math.ceil((this.load + 1) / this.size) * this.averageMs;
  }

  async close(): Promise<void> {
    this.closed = true;
    const waiting = this.queue.splice(0);
    for (const t of waiting) t.reject(workerFailed("pool was closed before the plan was made"));
    const all = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.close()));
  }

  private pump(): void {
    while (this.queue.length) {
      let w = this.idle.pop();
      if (!w) {
        if (this.workers.size >= this.size) return;
        w = new PlanWorker(
          (done, tookMs) => this.release(done, tookMs),
          (gone) => this.forget(gone),
        );
        this.workers.add(w);
      }
      w.run(this.queue.shift()!);
    }
  }

  private release(w: PlanWorker, tookMs: number): void {
    if (tookMs > 0) this.averageMs = this.averageMs * 0.7 + tookMs * 0.3;
    if (!this.workers.has(w)) return;
    this.idle.push(w);
    this.pump();
  }

  private forget(w: PlanWorker): void {
    this.workers.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    // A queued plan takes the freed slot with a fresh worker.
    queueMicrotask(() => {
      if (!this.closed) this.pump();
    });
  }
}

let shared: PlanPool | undefined;
let configuredSize: number | undefined;

/** Sets the size of the process's pool (from VISITMATE_PLAN_WORKERS); takes effect when it next starts. */
export function configurePlanPool(opts: { workers?: number }): void {
  configuredSize = opts.workers;
}

/** The process's pool, started on first use. */
export function planPool(): PlanPool {
  shared ??= new PlanPool({ size: configuredSize });
  return shared;
}

/** `planVisits(input)` in the shared pool: never blocks the caller's event loop. */
export function planInPool(input: PlanInput): Promise<PlanResult> {
  return planPool().plan(input);
}

/** Stops the shared pool's workers (tests and clean shutdown); the next plan starts a new pool. */
export async function closePlanPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  if (p) await p.close();
}
