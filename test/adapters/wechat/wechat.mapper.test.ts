import { describe, expect, it } from "vitest";
import { formTapValue } from "../../../src/core/forms/form-tap.ts";
import { isBareNumber, renderWechat, resolveNumberedInput, WECHAT_TEXT_LIMIT } from "../../../src/adapters/wechat/wechat.mapper.ts";

describe("WeChat mapper", () => {
  const choices = [{ label: "实地", value: "field" }, { label: "网络", value: "online" }, { label: "电话", value: "phone" }];

  it("renders choices as numbered options, names as typed", () => {
    expect(renderWechat({ text: "<张三> *烟酒* 拜访方式？", choices })).toEqual(["<张三> *烟酒* 拜访方式？\n1. 实地\n2. 网络\n3. 电话"]);
  });

  it("a number (also full-width, also '2.') answers the options; anything else passes through", () => {
    expect(resolveNumberedInput("2", choices)).toEqual({ text: "online", isAction: true, matched: true });
    expect(resolveNumberedInput("３", choices)).toEqual({ text: "phone", isAction: true, matched: true });
    expect(resolveNumberedInput(" 1. ", choices)).toEqual({ text: "field", isAction: true, matched: true });
    expect(resolveNumberedInput("4", choices)).toEqual({ text: "4", isAction: false, matched: false });
    expect(resolveNumberedInput("2", undefined)).toEqual({ text: "2", isAction: false, matched: false });
    expect(resolveNumberedInput("/today", choices)).toEqual({ text: "/today", isAction: false, matched: false });
    expect(isBareNumber("１２")).toBe(true);
    expect(isBareNumber("12 家")).toBe(false);
  });

  it("a number for a form's options goes on as the bare number, for the form to resolve against its stored question", () => {
    const form = [{ label: "15 分钟", value: formTapValue({ sessionId: 7, rev: 3, index: 0 }) }, { label: "30 分钟", value: formTapValue({ sessionId: 7, rev: 3, index: 1 }) }];
    expect(resolveNumberedInput("２、", form)).toEqual({ text: "2", isAction: false, matched: true });
    expect(resolveNumberedInput("3", form)).toEqual({ text: "3", isAction: false, matched: false });
  });

  it("splits long texts at 2000 characters with the options on the last piece", () => {
    const text = Array.from({ length: 400 }, (_, i) => `${i + 1}. 桐庐县某某超市`).join("\n");
    const parts = renderWechat({ text, choices });
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(WECHAT_TEXT_LIMIT);
    expect(parts.at(-1)!.endsWith("1. 实地\n2. 网络\n3. 电话")).toBe(true);
  });
});
