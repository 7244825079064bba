// The plan worker's message loop: one plan at a time (the pool sends a worker its next input only
// after the answer), answered with the result or with the error, and the worker lives on either way.
import { parentPort } from "node:worker_threads";
import { AppError } from "../../core/errors.ts";
import { planVisits, type PlanInput, type PlanResult } from "./planner.ts";

export interface PlanRequest {
  id: number;
  input: PlanInput;
  /** Test hook: makes the worker die mid-plan, the way an out-of-memory or a native fault would. */
  crash?: boolean;
}
export type PlanResponse =
  | { id: number; result: PlanResult }
  /** An AppError keeps its code and user message across the thread boundary. */
  | { id: number; error: string; code?: string; userMessage?: { key: string; params?: Record<string, string | number> } };

if (!parentPort) throw new Error("plan.worker.ts must run in a worker thread");
const port = parentPort;

port.on("message", (req: PlanRequest) => {
  if (req.crash) process.exit(70);
  let res: PlanResponse;
  try {
    res = { id: req.id, result: planVisits(req.input) };
  } catch (err) {
    res = err instanceof AppError
      ? { id: req.id, error: err.message, code: err.code, userMessage: err.userMessage }
      : { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(res);
});
