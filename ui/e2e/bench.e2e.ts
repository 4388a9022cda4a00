// The desktop app's benchmarks (issue 7), through the real binary: cold start to an
// interactive unlock form, moving between the items of a 300-item inspection, and the memory
// of the app's processes with it open. `cargo xtask bench-app` makes the store, runs this file
// under xvfb-run and prints the table from what it writes to TEKSERU_BENCH_OUT; without that
// variable (as in the e2e run) it is skipped. Every number comes with a reference measured in
// the same run, and nothing here asserts a time: the table reports, it does not gate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { Session, sleep } from "./webdriver";

const OUT = process.env.TEKSERU_BENCH_OUT ?? "";
const APP = process.env.TEKSERU_APP ?? "";
const PASSPHRASE = process.env.TEKSERU_BENCH_PASSPHRASE ?? "";
const ITEMS = Number(process.env.TEKSERU_BENCH_ITEMS ?? "300");
/** Cold starts measured of the app and of the reference each, after one unmeasured warm-up. */
const COLD_RUNS = 5;
/** Moves to the next item measured, each paired with a no-op key; twice (synthetic, then real keys). */
const MOVES = Math.min(50, Math.floor((ITEMS - 1) / 2));
/** The mark the unlock form sets once it is in the page and focusable (views/Unlock.svelte). */
const READY_MARK = "tekseru:unlock-interactive";

// --- results -----------------------------------------------------------------------------

const lines: string[] = [];

/** One line of the table: xtask computes the ratio and the verdict against `target`. */
function result(name: string, value: number, reference: number, unit: string, target: number | "-", what: string) {
  lines.push([name, value.toFixed(2), reference.toFixed(2), unit, String(target), what].join("\t"));
}

function note(text: string) {
  lines.push(`# ${text}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

/** The nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");

// --- drivers ------------------------------------------------------------------------------

/** Two free TCP ports, held open together so that they differ. */
async function freePorts(): Promise<[number, number]> {
  const open = () =>
    new Promise<ReturnType<typeof createServer>>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => resolve(server));
    });
  const servers = [await open(), await open()];
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return [ports[0] ?? 0, ports[1] ?? 0];
}

/** tauri-driver on free ports, so that the benchmarks can run beside an e2e run. */
async function startDriver(): Promise<{ base: string; child: ChildProcess }> {
  const [port, native] = await freePorts();
  const child = spawn("tauri-driver", ["--port", String(port), "--native-port", String(native)], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    try {
      const r = await fetch(`${base}/status`);
      if (r.ok || r.status < 500) return { base, child };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  child.kill("SIGTERM");
  throw new Error(`tauri-driver did not listen on port ${port} within 20 s`);
}

/** WebKitGTK's own MiniBrowser (package libwebkit2gtk-4.1-0, which the app links against). */
function miniBrowser(): string {
  const candidates = readdirSync("/usr/lib")
    .map((arch) => `/usr/lib/${arch}/webkit2gtk-4.1/MiniBrowser`)
    .concat(["/usr/libexec/webkit2gtk-4.1/MiniBrowser"]);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error("no MiniBrowser of webkit2gtk-4.1 (apt-get install libwebkit2gtk-4.1-0)");
  return found;
}

// --- cold start ---------------------------------------------------------------------------

/**
 * The reference page: the one thing the unlock screen must have, a focused passphrase field,
 * with the same mark once it is in the page.
 */
const REFERENCE_PAGE =
  "data:text/html;charset=utf-8," +
  encodeURIComponent(
    `<!doctype html><title>reference</title><input id="passphrase" type="password" autofocus>` +
      `<script>requestAnimationFrame(() => performance.mark(${JSON.stringify(READY_MARK)}))</script>`,
  );

interface Ready {
  /** Wall-clock time of the mark, ms since the epoch. */
  at: number;
  /** Wall-clock time the page's navigation started. */
  navigation: number;
  focused: boolean;
}

const PROBE = `
  const el = document.querySelector('#passphrase');
  const mark = performance.getEntriesByName(${JSON.stringify(READY_MARK)})[0];
  if (!el || !mark) return null;
  el.focus();
  return { at: performance.timeOrigin + mark.startTime, navigation: performance.timeOrigin, focused: document.activeElement === el };`;

interface ColdStart {
  /** From just before the new-session request (which spawns the process) to the mark. */
  ms: number;
  /** From the same moment to the start of the page's navigation. */
  toNavigation: number;
  session: Session;
}

/** Opens `url` in the session (WebDriver's navigate: a script may not leave about:blank). */
async function navigate(base: string, session: Session, url: string): Promise<void> {
  const r = await fetch(`${base}/session/${session.id}/url`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url }),
  });
  if (!r.ok) throw new Error(`cannot open ${url.slice(0, 40)}…: ${r.status} ${await r.text()}`);
}

/**
 * Starts `application` through the driver and waits until its passphrase field is in the page
 * and focusable. The interval is taken from the page's own clock (the mark), so polling does
 * not add to it; `page`, when given, is opened once the session is up.
 */
async function coldStart(base: string, application: string, args: string[], page?: string): Promise<ColdStart> {
  const t0 = Date.now();
  const session = await Session.start(base, application, args);
  try {
    if (page) await navigate(base, session, page);
    const ready = await session.until(
      "an interactive passphrase field",
      () => session.execute<Ready | null>(PROBE),
      (r) => r !== null && r.focused,
      30_000,
    );
    const seen = Date.now();
    if (!ready) throw new Error("the page never became interactive");
    if (ready.at < t0 || ready.at > seen + 50) {
      throw new Error(`the page's clock disagrees with ours: mark at ${ready.at}, started ${t0}, seen ${seen}`);
    }
    return { ms: ready.at - t0, toNavigation: ready.navigation - t0, session };
  } catch (e) {
    await session.end().catch(() => undefined);
    throw e;
  }
}

// --- memory -------------------------------------------------------------------------------

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      if (fields[0] === "Z") continue; // a zombie holds no memory
      out.push({ pid: Number(name), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, close) });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The live tekseru-app started by our driver (tauri-driver → WebKitWebDriver → app). */
function appPid(driver: number): number {
  const all = processes();
  const parent = new Map(all.map((p) => [p.pid, p.ppid]));
  const binary = realpathSync(APP);
  const ours = all.filter((p) => {
    try {
      if (readlinkSync(`/proc/${p.pid}/exe`) !== binary) return false;
    } catch {
      return false;
    }
    for (let q = parent.get(p.pid); q !== undefined && q > 1; q = parent.get(q)) if (q === driver) return true;
    return false;
  });
  if (ours.length !== 1) throw new Error(`expected one tekseru-app under tauri-driver ${driver}, found ${ours.length}`);
  return ours[0]?.pid ?? 0;
}

function statusKb(pid: number, file: string, field: string): number {
  const text = readFileSync(`/proc/${pid}/${file}`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

const PAGE = 4096;

/**
 * The physical pages resident in `pid`, added to `into`: for every mapping that has resident
 * pages (smaps), its entries of /proc/PID/pagemap, whose bits 0–54 are the page frame number
 * when bit 63 (present) is set. The kernel shows frame numbers only to CAP_SYS_ADMIN; without
 * it they read as 0, and this returns false so that no number is made up.
 */
function residentFrames(pid: number, into: Set<number>): boolean {
  const ranges: [number, number][] = [];
  let range: [number, number] | null = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (m) {
      range = [parseInt(m[1] ?? "0", 16), parseInt(m[2] ?? "0", 16)];
    } else if (range && line.startsWith("Rss:")) {
      if (!/^Rss:\s+0 kB/.test(line)) ranges.push(range);
      range = null;
    }
  }
  const fd = openSync(`/proc/${pid}/pagemap`, "r");
  const chunk = Buffer.alloc(64 * 1024 * 8);
  let seen = false;
  try {
    for (const [start, end] of ranges) {
      for (let page = start / PAGE; page < end / PAGE; page += chunk.length / 8) {
        const want = Math.min(chunk.length, (end / PAGE - page) * 8);
        const got = readSync(fd, chunk, 0, want, page * 8);
        for (let off = 0; off + 8 <= got; off += 8) {
          const high = chunk.readUInt32LE(off + 4);
          if ((high & 0x8000_0000) === 0) continue; // not present (swapped or never touched)
          const frame = (high & 0x007f_ffff) * 2 ** 32 + chunk.readUInt32LE(off);
          if (frame !== 0) seen = true;
          into.add(frame);
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return seen;
}

interface Memory {
  /** The app's resident set: physical pages resident in any of its processes, each once; null without CAP_SYS_ADMIN. */
  residentMb: number | null;
  rssMb: number;
  pssMb: number;
  /** Of the RSS, pages not backed by a file (heaps, JS, caches): what the app itself holds. */
  anonMb: number;
  parts: string;
}

/** VmRSS (and PSS) summed over the app and every process under it: WebKit's web and network processes. */
function memory(root: number): Memory {
  const all = processes();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const p of all) if (p.ppid === tree[i]) tree.push(p.pid);
  }
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  let rss = 0;
  let pss = 0;
  let anon = 0;
  const frames = new Set<number>();
  let framesVisible = true;
  const parts: string[] = [];
  for (const pid of tree) {
    if (process.env.TEKSERU_BENCH_DUMP) writeFileSync(`${process.env.TEKSERU_BENCH_DUMP}/${Date.now()}-${pid}.smaps`, readFileSync(`/proc/${pid}/smaps`));
    framesVisible = residentFrames(pid, frames) && framesVisible;
    const comm = all.find((p) => p.pid === pid)?.comm ?? String(pid);
    const r = statusKb(pid, "status", "VmRSS");
    const a = statusKb(pid, "status", "RssAnon") + statusKb(pid, "status", "RssShmem");
    rss += r;
    anon += a;
    pss += statusKb(pid, "smaps_rollup", "Pss");
    parts.push(`${comm} ${mb(r)} MB (${mb(a)} anonymous)`);
  }
  const residentMb = framesVisible ? (frames.size * PAGE) / (1024 * 1024) : null;
  return { residentMb, rssMb: rss / 1024, pssMb: pss / 1024, anonMb: anon / 1024, parts: parts.join(", ") };
}

// --- moving between items -----------------------------------------------------------------

/**
 * Runs in the page: `n` rounds of a no-op key (one the walk-through ignores) and of `key`,
 * dispatched as keydown events. Each is timed from dispatch to the end of the first frame
 * that shows its result: for a move, the item panel showing another item; for the no-op,
 * simply the next frame. Between presses the page settles (two frames and a pause).
 */
const MOVE_SCRIPT = `
  const [n, key, noop, noopsOnly] = arguments;
  const shown = () => document.querySelector('[data-testid=item-number]')?.textContent ?? '';
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  }));
  const settle = async () => { await frame(); await new Promise((r) => setTimeout(r, 30)); await frame(); };
  const press = async (k, moves) => {
    await settle();
    const before = shown();
    let dom = NaN;
    const observer = new MutationObserver(() => { if (Number.isNaN(dom)) dom = performance.now() - t0; });
    observer.observe(document.querySelector('main'), { subtree: true, childList: true, attributes: true, characterData: true });
    const t0 = performance.now();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
    const handler = performance.now() - t0;
    await frame();
    for (let frames = 1; moves && shown() === before; frames++) {
      if (frames > 300) throw new Error('the item panel still shows ' + before + ' after ' + k);
      await frame();
    }
    const ms = performance.now() - t0;
    observer.disconnect();
    if (!moves && shown() !== before) throw new Error('the no-op key ' + k + ' moved the walk-through');
    return { ms, handler, dom };
  };
  const moves = [], noops = [];
  for (let i = 0; i < n; i++) {
    noops.push(await press(noop, false));
    if (!noopsOnly) moves.push(await press(key, true));
  }
  return { moves, noops };`;

/** One timed key press in the page. */
interface Press {
  /** Dispatch to the end of the frame that shows the result. */
  ms: number;
  /** Dispatch to the return of the walk-through's keydown handler. */
  handler: number;
  /** Dispatch to the DOM's first change (Svelte's update is done); NaN when nothing changed. */
  dom: number;
}

/**
 * Installs a keydown listener (capturing, so it runs before the walk-through's) that times
 * each real key press from the event's own timestamp to the end of the frame that shows its
 * result, as MOVE_SCRIPT does.
 */
const KEY_WATCH_SCRIPT = `
  const shown = () => document.querySelector('[data-testid=item-number]')?.textContent ?? '';
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  }));
  window.__benchKeys = [];
  window.addEventListener('keydown', (event) => {
    const t0 = event.timeStamp;
    const before = shown();
    const moves = event.key === 'j';
    (async () => {
      await frame();
      for (let frames = 1; moves && shown() === before && frames < 300; frames++) await frame();
      window.__benchKeys.push({ key: event.key, ms: performance.now() - t0, moved: shown() !== before });
    })();
  }, { capture: true });`;

interface KeyTime {
  key: string;
  ms: number;
  moved: boolean;
}

// --- the benchmarks -----------------------------------------------------------------------

describe.skipIf(!OUT)("desktop app benchmarks (cargo xtask bench-app)", () => {
  let driver: { base: string; child: ChildProcess };
  let s: Session | undefined;
  let pid = 0;
  let locked: Memory | null = null;
  /** Just after the inspection opened, before any move. */
  let opened: Memory | null = null;

  beforeAll(async () => {
    expect(APP, "TEKSERU_APP names the app binary").not.toBe("");
    expect(PASSPHRASE, "TEKSERU_BENCH_PASSPHRASE unlocks the bench store").not.toBe("");
    driver = await startDriver();
    note(`build: ${process.env.TEKSERU_BENCH_BUILD ?? APP}; WebKitGTK under Xvfb, software rendering`);
  });

  afterAll(async () => {
    await s?.end().catch(() => undefined);
    const child = driver?.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
    }
    if (lines.length > 0) writeFileSync(OUT, lines.join("\n") + "\n");
  });

  it("cold start: process spawn to an interactive unlock form", async () => {
    const mini = miniBrowser();
    const app = async () => {
      const c = await coldStart(driver.base, APP, []);
      await c.session.end();
      return c;
    };
    const reference = async () => {
      const c = await coldStart(driver.base, mini, ["--automation"], REFERENCE_PAGE);
      await c.session.end();
      return c;
    };
    const warm = [await app(), await reference()];
    const apps: ColdStart[] = [];
    const refs: ColdStart[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      await sleep(500);
      apps.push(await app());
      await sleep(500);
      refs.push(await reference());
    }
    const value = median(apps.map((c) => c.ms));
    const ref = median(refs.map((c) => c.ms));
    result(
      "cold start to the unlock form",
      value,
      ref,
      "ms",
      2000,
      `WebKitGTK's MiniBrowser started the same way (tauri-driver, same Xvfb), then sent (WebDriver navigate) to a page with only an autofocused passphrase field; spawn to the same mark (median of ${COLD_RUNS})`,
    );
    note(`cold start, app runs (ms): ${ms(apps.map((c) => c.ms))}; first, unmeasured run ${warm[0]?.ms.toFixed(0)} ms`);
    note(`cold start, app: spawn to the page's navigation start ${median(apps.map((c) => c.toNavigation)).toFixed(0)} ms (median); the rest is loading the UI, the store_state call and the first render`);
    note(`cold start, reference runs (ms): ${ms(refs.map((c) => c.ms))}; first, unmeasured run ${warm[1]?.ms.toFixed(0)} ms`);
    expect(apps).toHaveLength(COLD_RUNS);
  });

  it(`opens the ${ITEMS}-item inspection; memory on the unlock screen first`, async () => {
    const c = await coldStart(driver.base, APP, []);
    s = c.session;
    pid = appPid(driver.child.pid ?? 0);
    await sleep(1500);
    locked = memory(pid);
    note(`memory on the unlock screen: ${locked.parts}; anonymous in all ${locked.anonMb.toFixed(0)} MB`);

    await (await s.find("#passphrase")).type(PASSPHRASE);
    await s.clickOn("[data-testid=unlock]");
    await s.find("[data-testid=inspection-row] td");
    const t0 = Date.now();
    await s.clickOn("[data-testid=inspection-row] td");
    await s.find("[data-testid=item-panel]", 30_000);
    const count = await s.until(
      "the walk-through lists every item",
      () => s!.execute<number>("return document.querySelectorAll('[data-item]').length"),
      (n) => n === ITEMS,
      30_000,
    );
    expect(count).toBe(ITEMS);
    note(`opening the ${ITEMS}-item inspection: click to its walk-through on screen ${Date.now() - t0} ms (polled every 100 ms)`);
    expect(await (await s.find("[data-testid=progress]")).text()).toContain(`/ ${ITEMS}`);
    await sleep(1500);
    opened = memory(pid);
  });

  it("moving to the next item: keydown to the frame that shows it", async () => {
    if (!s) throw new Error("no session");
    const run = await s.execute<{ moves: Press[]; noops: Press[] }>(MOVE_SCRIPT, [MOVES, "j", "x"]);
    expect(run.moves).toHaveLength(MOVES);
    const moves = run.moves.map((p) => p.ms);
    const noops = run.noops.map((p) => p.ms);
    const at = await (await s.find("[data-testid=item-number]")).text();
    result(
      "next item (j), median",
      median(moves),
      median(noops),
      "ms",
      50,
      `a key the walk-through ignores ('x'), dispatched the same way, to the end of the next frame (median of ${MOVES}, interleaved)`,
    );
    result("next item (j), p95", percentile(moves, 95), percentile(noops, 95), "ms", 50, `the same no-op key, p95 of ${MOVES}`);
    note(
      `a move, medians: the keydown handler returns after ${median(run.moves.map((p) => p.handler)).toFixed(1)} ms, ` +
        `Svelte's DOM update is done after ${median(run.moves.map((p) => p.dom)).toFixed(1)} ms, the frame showing it ends after ${median(moves).toFixed(1)} ms; ` +
        `max ${Math.max(...moves).toFixed(1)} ms; the panel went from item 1.1 to ${at}`,
    );
  });

  it("moving to the next item with real key presses through WebDriver", async () => {
    if (!s) throw new Error("no session");
    await s.execute(KEY_WATCH_SCRIPT);
    await s.execute("document.activeElement?.blur?.()");
    for (let i = 0; i < MOVES; i++) {
      for (const key of ["x", "j"]) {
        const before = await s.execute<number>("return window.__benchKeys.length");
        await s.keys(key);
        await s.until(`timing of ${key}`, () => s!.execute<number>("return window.__benchKeys.length"), (n) => n > before, 10_000);
        await sleep(30);
      }
    }
    const times = await s.execute<KeyTime[]>("return window.__benchKeys");
    const moves = times.filter((t) => t.key === "j");
    const noops = times.filter((t) => t.key === "x");
    expect(moves.every((t) => t.moved)).toBe(true);
    expect(noops.some((t) => t.moved)).toBe(false);
    result(
      "next item (real key), median",
      median(moves.map((t) => t.ms)),
      median(noops.map((t) => t.ms)),
      "ms",
      50,
      `a real 'x' key press through WebDriver, from the event's timestamp to the end of the next frame (median of ${MOVES}, interleaved)`,
    );
  });

  it(`memory with the ${ITEMS}-item inspection open`, async () => {
    if (!s || !locked) throw new Error("no session");
    await sleep(1500);
    const open = memory(pid);
    if (open.residentMb !== null && locked.residentMb !== null) {
      result(
        `RSS, ${ITEMS}-item inspection open`,
        open.residentMb,
        locked.residentMb,
        "MB",
        300,
        "the same processes in the same session on the unlock screen, before unlocking",
      );
    } else {
      note("the app's resident set needs the page frame numbers of /proc/PID/pagemap, which only root reads: not measured");
    }
    if (opened?.residentMb != null && locked.residentMb !== null) {
      result(
        `RSS, ${ITEMS} items just opened`,
        opened.residentMb,
        locked.residentMb,
        "MB",
        "-",
        "the same, on the unlock screen; measured before the first move",
      );
    }
    // Then a long walk: 400 no-op presses, then 400 more moves back and forth, each with its
    // no-op press. What the moves add beyond what the presses alone add is the walk-through's
    // own; memory that kept growing with every move would show there as a leak.
    for (let round = 0; round < 8; round++) await s.execute(MOVE_SCRIPT, [50, "j", "x", true]);
    await sleep(1500);
    const pressed = memory(pid);
    for (let round = 0; round < 4; round++) {
      await s.execute(MOVE_SCRIPT, [50, "k", "x"]);
      await s.execute(MOVE_SCRIPT, [50, "j", "x"]);
    }
    await sleep(1500);
    const walked = memory(pid);
    if (open.residentMb !== null && pressed.residentMb !== null && walked.residentMb !== null) {
      result(
        "RSS growth over 400 more moves",
        walked.residentMb - pressed.residentMb,
        pressed.residentMb - open.residentMb,
        "MB",
        "-",
        "the growth over 400 no-op presses alone, just before",
      );
      note(`RSS after the no-op presses ${pressed.residentMb.toFixed(0)} MB, after the moves ${walked.residentMb.toFixed(0)} MB`);
    }
    result(
      `VmRSS summed over the processes, ${ITEMS} items open`,
      open.rssMb,
      locked.rssMb,
      "MB",
      "-",
      "the same, a page shared by the processes (libraries, shared memory) counted once in each",
    );
    result(
      `PSS, ${ITEMS}-item inspection open`,
      open.pssMb,
      locked.pssMb,
      "MB",
      "-",
      "the same, proportional set size (shared libraries counted once across the processes)",
    );
    result(
      `anonymous RSS, ${ITEMS} items open`,
      open.anonMb,
      locked.anonMb,
      "MB",
      "-",
      "the same, pages not backed by a file (heaps, the JS heap, caches): what the app holds beyond shared libraries",
    );
    note(
      `memory with the inspection open: ${open.parts}; anonymous in all ${open.anonMb.toFixed(0)} MB ` +
        `(RSS is the app's resident set: the physical pages resident in tekseru-app or any process under it, each counted once)`,
    );
  });
});
