// A small W3C WebDriver client over fetch: enough to drive the real app through tauri-driver
// (which hands the session to Debian's WebKitWebDriver). No browser, no mock: the session is
// the tekseru-app binary in its own WebKitGTK window.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {}

export class Session {
  private constructor(
    private base: string,
    readonly id: string,
  ) {}

  static async start(base: string, application: string, args: string[] = []): Promise<Session> {
    const response = await request(base, "POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application, args } } },
    });
    const id = (response as { sessionId: string }).sessionId;
    return new Session(base, id);
  }

  private cmd(method: string, path: string, body?: unknown): Promise<unknown> {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async end(): Promise<void> {
    await this.cmd("DELETE", "");
  }

  /** Waits until `css` matches an element, and returns it. */
  async find(css: string, timeoutMs = 10_000): Promise<Element> {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < until) {
      try {
        const found = (await this.cmd("POST", "/element", { using: "css selector", value: css })) as Record<string, string>;
        const id = found[ELEMENT];
        if (id) return new Element(this, id, css);
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new WebDriverError(`no element matches '${css}' after ${timeoutMs} ms (${String(last)})`);
  }

  async findAll(css: string): Promise<Element[]> {
    const found = (await this.cmd("POST", "/elements", { using: "css selector", value: css })) as Record<string, string>[];
    return found.map((f) => new Element(this, f[ELEMENT] ?? "", css));
  }

  /** Waits until `predicate` holds, polling; fails with `what` when it never does. */
  async until<T>(what: string, probe: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    let value: T | undefined;
    while (Date.now() < until) {
      try {
        value = await probe();
        if (predicate(value)) return value;
      } catch {
        // Not there yet.
      }
      await sleep(100);
    }
    throw new WebDriverError(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
  }

  async execute<T>(script: string, args: unknown[] = []): Promise<T> {
    return (await this.cmd("POST", "/execute/sync", { script, args })) as T;
  }

  /** Scrolls the element matching `css` into view, then clicks it, as a user would. */
  async clickOn(css: string): Promise<void> {
    const el = await this.find(css);
    await this.execute("document.querySelector(arguments[0])?.scrollIntoView({ block: 'center' })", [css]);
    await el.click();
  }

  /** Presses keys on whatever has the focus, as a user at the keyboard would. */
  async keys(text: string): Promise<void> {
    const actions = [...text].flatMap((value) => [
      { type: "keyDown", value },
      { type: "keyUp", value },
    ]);
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  async screenshot(file: string): Promise<void> {
    const png = (await this.cmd("GET", "/screenshot")) as string;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, Buffer.from(png, "base64"));
  }

  /** @internal */
  elementCmd(method: string, element: string, path: string, body?: unknown): Promise<unknown> {
    return this.cmd(method, `/element/${element}${path}`, body);
  }
}

export class Element {
  constructor(
    private session: Session,
    readonly id: string,
    readonly css: string,
  ) {}

  async click(): Promise<void> {
    await this.session.elementCmd("POST", this.id, "/click", {});
  }

  async type(text: string): Promise<void> {
    await this.session.elementCmd("POST", this.id, "/value", { text });
  }

  async clear(): Promise<void> {
    await this.session.elementCmd("POST", this.id, "/clear", {});
  }

  async text(): Promise<string> {
    return (await this.session.elementCmd("GET", this.id, "/text")) as string;
  }

  async value(): Promise<string> {
    return (await this.session.elementCmd("GET", this.id, "/property/value")) as string;
  }
}

async function request(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json().catch(() => ({}))) as { value?: { error?: string; message?: string } };
  if (!response.ok) {
    throw new WebDriverError(`${method} ${path}: ${json.value?.error ?? response.status} ${json.value?.message ?? ""}`);
  }
  return json.value;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
