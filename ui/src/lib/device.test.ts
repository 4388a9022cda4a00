import { describe, expect, it } from "vitest";
import { fingerprintLines } from "./device";

describe("a device's fingerprint as shown", () => {
  it("reads in groups of four, four groups a line, and keeps every character", () => {
    const fp = "3F9A0C77D1E2B4A58899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";
    const lines = fingerprintLines(fp);
    expect(lines).toEqual([
      "3f9a 0c77 d1e2 b4a5",
      "8899 aabb ccdd eeff",
      "0011 2233 4455 6677",
      "8899 aabb ccdd eeff",
    ]);
    expect(lines.join("").replaceAll(" ", "")).toBe(fp.toLowerCase());
  });
});
