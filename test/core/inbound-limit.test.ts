import { describe, expect, it } from "vitest";
import { policyFromEnv } from "../../src/app.ts";
import { loadEnv } from "../../src/config/env.ts";
import { InboundLimiter } from "../../src/core/inbound-limit.ts";

describe("inbound rate limit", () => {
  it("lets `limit` messages through per window, then one notice, then silence until the window has passed", () => {
    const limiter = new InboundLimiter({ limit: 3, windowMs: 60_000 });
    const at = (ms: number) => limiter.admit("telegram\u00001", ms);
    expect([at(0), at(1), at(2), at(3), at(4), at(59_999)]).toEqual(["ok", "ok", "ok", "notice", "drop", "drop"]);
    // A new window opens with the first message after the old one ended: counted from zero again.
    expect([at(60_000), at(60_001), at(60_002), at(60_003), at(60_004)]).toEqual(["ok", "ok", "ok", "notice", "drop"]);
    // Another sender has their own window.
    expect(limiter.admit("telegram\u00002", 60_005)).toBe("ok");
  });

  it("remembers a bounded number of senders, forgetting the oldest windows first", () => {
    const limiter = new InboundLimiter({ limit: 1, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) limiter.admit(`lark\u0000ou_${i}`, i);
    expect(limiter.size).toBe(100);
    // The newest sender is still remembered (its second message is over the limit).
    expect(limiter.admit("lark\u0000ou_9999", 10_000)).toBe("notice");
  });

  it("reads its figures from the policy, overridable by environment variables", () => {
    const defaults = policyFromEnv(loadEnv({}));
    expect(defaults.inbound).toEqual({ messagesPerMinute: 20, maxTextChars: 4000, maxSearchChars: 100, maxReasonChars: 200 });
    const tuned = policyFromEnv(loadEnv({ VISITMATE_INBOUND_PER_MINUTE: "60", VISITMATE_INBOUND_MAX_CHARS: "2000" }));
    expect(tuned.inbound).toMatchObject({ messagesPerMinute: 60, maxTextChars: 2000 });
    expect(() => loadEnv({ VISITMATE_INBOUND_PER_MINUTE: "0" })).toThrow(/VISITMATE_INBOUND_PER_MINUTE/);
  });
});
