import { describe, expect, it, vi } from "vitest";
import { fanOut } from "./fanout";

/** A stand-in for a Tauri event source: counts registrations, and fires events by hand. */
function source<T>() {
  let emit: ((v: T) => void) | null = null;
  let registrations = 0;
  const subscribe = async (e: (v: T) => void) => {
    registrations++;
    emit = e;
  };
  return { subscribe, fire: (v: T) => emit?.(v), registrations: () => registrations };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("fanOut", () => {
  it("registers the app-side listener once, however many panels come and go", async () => {
    const events = source<string>();
    const on = fanOut(events.subscribe);
    for (let i = 0; i < 100; i++) on(() => undefined)();
    await tick();
    expect(events.registrations()).toBe(1);
  });

  it("passes an event to the handlers present, not to those removed", async () => {
    const events = source<number>();
    const on = fanOut(events.subscribe);
    const seen: string[] = [];
    const offA = on((v) => seen.push(`a${v}`));
    on((v) => seen.push(`b${v}`));
    await tick();
    events.fire(1);
    offA();
    events.fire(2);
    expect(seen).toEqual(["a1", "b1", "b2"]);
  });

  it("keeps the same function added twice as two handlers, removed one at a time", async () => {
    const events = source<number>();
    const on = fanOut(events.subscribe);
    let calls = 0;
    const handler = () => calls++;
    const off = on(handler);
    on(handler);
    await tick();
    events.fire(1);
    off();
    events.fire(2);
    expect(calls).toBe(3);
  });

  it("tries to register again after a failed registration, and says it failed", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => undefined);
    let attempts = 0;
    let emit: ((v: number) => void) | null = null;
    const on = fanOut<number>(async (e) => {
      attempts++;
      if (attempts === 1) throw new Error("no app");
      emit = e;
    });
    const seen: number[] = [];
    on((v) => seen.push(v));
    await tick();
    on((v) => seen.push(v * 10));
    await tick();
    emit!(2);
    expect(attempts).toBe(2);
    expect(seen).toEqual([2, 20]);
    expect(report).toHaveBeenCalledTimes(1);
    report.mockRestore();
  });
});
