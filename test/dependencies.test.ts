import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { WechatyBuilder } from "wechaty";
import { PuppetMock } from "wechaty-puppet-mock";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface LockEntry {
  version?: string;
  /** Set when the folder holds another package than its name says (an npm: alias). */
  name?: string;
}

/** Every installed package of the lockfile: its real name and version. */
function lockedPackages(): { name: string; version: string; at: string }[] {
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { lockfileVersion: number; packages: Record<string, LockEntry> };
  expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
  return Object.entries(lock.packages)
    .filter(([at, e]) => at.includes("node_modules/") && e.version)
    .map(([at, e]) => ({ name: e.name ?? at.slice(at.lastIndexOf("node_modules/") + "node_modules/".length), version: e.version!, at }));
}

function below(version: string, limit: string): boolean {
  const a = version.split(/[.+-]/).slice(0, 3).map(Number);
  const b = limit.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  return false;
}

/** Advisories this project was exposed to through wechaty (open-graph → request) and the wechat4u puppet. */
function vulnerable(p: { name: string; version: string }): string | null {
  const major = Number(p.version.split(".")[0]);
  if (p.name === "form-data") {
    // Predictable multipart boundary (Math.random), fixed in 2.5.4, 3.0.4 and 4.0.4.
    if ((major <= 2 && below(p.version, "2.5.4")) || (major === 3 && below(p.version, "3.0.4")) || (major === 4 && below(p.version, "4.0.4"))) return "form-data boundary advisory";
  }
  // Prototype pollution in the cookie store, fixed in 4.1.3.
  if (p.name === "tough-cookie" && below(p.version, "4.1.3")) return "tough-cookie prototype pollution";
  // Prototype pollution through parsed XML, fixed in 0.5.0.
  if (p.name === "xml2js" && below(p.version, "0.5.0")) return "xml2js prototype pollution";
  // Unmaintained; SSRF through cross-protocol redirects, never fixed. Replaced by its maintained fork.
  if (p.name === "request") return "request (deprecated, SSRF advisory with no fix)";
  return null;
}

describe("dependencies", () => {
  it("the lockfile holds none of the known-vulnerable versions", () => {
    const all = lockedPackages();
    expect(all.length).toBeGreaterThan(300);
    expect(all.filter((p) => vulnerable(p)).map((p) => `${p.at}@${p.version}: ${vulnerable(p)}`)).toEqual([]);
    // The checks look at the right packages: they are installed, at fixed versions.
    const versions = (name: string) => all.filter((p) => p.name === name).map((p) => p.version);
    expect(versions("form-data").length).toBeGreaterThan(0);
    expect(versions("xml2js").length).toBeGreaterThan(0);
    expect(versions("tough-cookie").length).toBeGreaterThan(0);
    expect(all.some((p) => p.name === "@cypress/request" && p.at.endsWith("node_modules/request"))).toBe(true);
  });

  it("the package.json overrides that do it are in place", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { overrides?: Record<string, string> };
    expect(pkg.overrides).toMatchObject({ request: expect.stringMatching(/^npm:@cypress\/request@/), "tough-cookie": expect.any(String), xml2js: expect.any(String) });
  });
});

describe("wechaty still works on the lifted dependencies", () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  async function site(): Promise<string> {
    server = createServer((req, res) => {
      if (req.url === "/login") return void res.writeHead(302, { location: "/page", "set-cookie": "sid=abc123; Path=/" }).end();
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
        `<html><head><meta property="og:title" content="拜访助手"><meta property="og:description" content="cookie ${req.headers.cookie ?? "none"}"><meta property="og:image" content="/logo.png"></head></html>`,
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("UrlLink.create reads a page's Open Graph tags (open-graph → @cypress/request)", async () => {
    const base = await site();
    const bot = WechatyBuilder.build({ puppet: new PuppetMock() });
    await bot.start();
    try {
      const link = await bot.UrlLink.create(`${base}/page`);
      expect(link.payload).toEqual({ title: "拜访助手", description: "cookie none", thumbnailUrl: `${base}/logo.png`, url: `${base}/page` });
    } finally {
      await bot.stop();
    }
  });

  it("the request module open-graph loads follows a redirect and keeps its cookie (tough-cookie)", async () => {
    const base = await site();
    const requireFromOpenGraph = createRequire(createRequire(import.meta.url).resolve("open-graph"));
    const request = requireFromOpenGraph("request") as (o: Record<string, unknown>, cb: (err: unknown, res: { statusCode: number }, body: string) => void) => void;
    const body = await new Promise<string>((resolve, reject) => request({ url: `${base}/login`, jar: true }, (err, _res, b) => (err ? reject(err) : resolve(b))));
    expect(body).toContain("cookie sid=abc123");
  });

  it("the wechat4u puppet loads and parses message XML with xml2js", async () => {
    const { PuppetWechat4u } = (await import("wechaty-puppet-wechat4u")) as unknown as { PuppetWechat4u: new () => { start(): Promise<void> } };
    expect(typeof new PuppetWechat4u().start).toBe("function");
    // Its XML helper is internal (not exported); loaded by file, as the puppet itself loads it.
    const helper = path.join(ROOT, "node_modules/wechaty-puppet-wechat4u/dist/esm/src/wechat4u/utils/xml-to-json.js");
    const { xmlToJson } = (await import(pathToFileURL(helper).href)) as { xmlToJson: (xml: string) => Promise<unknown> };
    expect(await xmlToJson(`<msg><appmsg appid="" sdkver="0"><title>周报</title><type>5</type><url>http://x</url></appmsg></msg>`)).toEqual({
      msg: { appmsg: { $: { appid: "", sdkver: "0" }, title: "周报", type: "5", url: "http://x" } },
    });
    // The prototype pollution of xml2js < 0.5: a <__proto__> element became the object's prototype
    // (the element vanished, its children inherited). Now it is plain data.
    const parsed = (await xmlToJson(`<root><__proto__><polluted>yes</polluted></__proto__></root>`)) as { root: object };
    expect(Object.getPrototypeOf(parsed.root)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(parsed.root)).toEqual(["__proto__"]);
    expect((parsed.root as Record<string, unknown>).polluted).toBeUndefined();
  });
});
