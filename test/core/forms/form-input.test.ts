import { describe, expect, it } from "vitest";
import { controlWord, parseChineseNumber, parseNumber, parseYesNo, splitTokens } from "../../../src/core/forms/form-input.ts";
import { pickShown } from "../../../src/core/forms/form-engine.ts";
import { catalogueKeys } from "../../../src/i18n/i18n.ts";
import { enForms } from "../../../src/i18n/en.forms.ts";
import { zhCNForms } from "../../../src/i18n/zh-CN.forms.ts";
import { parseDuration } from "../../../src/modules/visits/visit.dialog.ts";
import { stopNumberOf } from "../../../src/modules/visits/visits.commands.ts";

describe("reading typed answers", () => {
  it("control words in Chinese and English", () => {
    expect(controlWord("返回")).toBe("back");
    expect(controlWord(" Back ")).toBe("back");
    expect(controlWord("跳过")).toBe("skip");
    expect(controlWord("取消。")).toBe("cancel");
    expect(controlWord("/cancel")).toBe("cancel");
    expect(controlWord("取消订单")).toBeNull();
    expect(controlWord("完成", ["done"])).toBe("done");
  });

  it("numbers: ASCII, full-width, with units, Chinese numerals", () => {
    expect(parseNumber("15")).toBe(15);
    expect(parseNumber("１５")).toBe(15);
    expect(parseNumber("15分钟")).toBe(15);
    expect(parseNumber("20 条")).toBe(20);
    expect(parseNumber("3.5元")).toBe(3.5);
    expect(parseNumber("1,200")).toBe(1200);
    expect(parseNumber("十五")).toBe(15);
    expect(parseNumber("二十条")).toBe(20);
    expect(parseNumber("12 15")).toBeNull();
    expect(parseNumber("abc")).toBeNull();
    expect(parseChineseNumber("一百二十")).toBe(120);
    expect(parseChineseNumber("两百")).toBe(200);
    expect(parseChineseNumber("十")).toBe(10);
  });

  it("durations", () => {
    expect(parseDuration("25")).toBe(25);
    expect(parseDuration("1小时")).toBe(60);
    expect(parseDuration("1.5h")).toBe(90);
    expect(parseDuration("1h30")).toBe(90);
    expect(parseDuration("半小时")).toBe(30);
    expect(parseDuration("一个半小时")).toBe(90);
    expect(parseDuration("两小时")).toBe(120);
    expect(parseDuration("四十分钟")).toBe(40);
    expect(parseDuration("很久")).toBeNull();
  });

  it("yes / no", () => {
    for (const y of ["是", "有", "对", "yes", "Y", "签了"]) expect(parseYesNo(y)).toBe(true);
    for (const n of ["否", "没有", "不", "no", "N", "还没"]) expect(parseYesNo(n)).toBe(false);
    expect(parseYesNo("也许")).toBeNull();
  });

  it("lists of option numbers", () => {
    expect(splitTokens("1 3 5")).toEqual(["1", "3", "5"]);
    expect(splitTokens("1,3，5、7")).toEqual(["1", "3", "5", "7"]);
  });

  it("a typed number or label means the option shown (WeChat-style numbered replies)", () => {
    const shown = [
      { label: "实地", value: "field" },
      { label: "✓ 网络", value: "online" },
    ];
    expect(pickShown("2", shown)).toBe("online");
    expect(pickShown("field", shown)).toBe("field");
    expect(pickShown("网络", shown)).toBe("online");
    expect(pickShown("3", shown)).toBeNull();
    expect(pickShown("电话", shown)).toBeNull();
  });

  it("stop numbers", () => {
    expect(stopNumberOf("3")).toBe(3);
    expect(stopNumberOf("第3站")).toBe(3);
    expect(stopNumberOf("12号")).toBe(12);
    expect(stopNumberOf("3 个")).toBeNull();
  });

  it("every form string exists in both languages", () => {
    expect(Object.keys(enForms).sort()).toEqual(Object.keys(zhCNForms).sort());
    expect(catalogueKeys("en").length).toBeGreaterThan(Object.keys(enForms).length);
  });
});
