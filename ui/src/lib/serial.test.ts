import { describe, expect, it } from "vitest";
import { serialQueue } from "./serial";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("serialQueue", () => {
  it("applies changes in the order they were made, even when the first is slower", async () => {
    const queue = serialQueue();
    const applied: string[] = [];
    const first = queue(async () => (await wait(30), applied.push("leave field")));
    const second = queue(async () => (await wait(1), applied.push("tick found")));
    await Promise.all([first, second]);
    expect(applied).toEqual(["leave field", "tick found"]);
  });

  it("goes on after a failed change, and the failure reaches its caller", async () => {
    const queue = serialQueue();
    const failed = queue(() => Promise.reject(new Error("disk full")));
    const next = queue(async () => "saved");
    await expect(failed).rejects.toThrow("disk full");
    await expect(next).resolves.toBe("saved");
  });
});
