// Starts tauri-driver for the e2e run and stops it afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { sleep } from "./webdriver";

let driver: ChildProcess | null = null;

export async function setup(): Promise<void> {
  driver = spawn("tauri-driver", ["--port", "4444"], { stdio: ["ignore", "inherit", "inherit"] });
  driver.on("error", (e) => {
    throw new Error(`cannot start tauri-driver (cargo install tauri-driver): ${e.message}`);
  });
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    try {
      const r = await fetch("http://127.0.0.1:4444/status");
      if (r.ok || r.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error("tauri-driver did not listen on port 4444 within 20 s");
}

export async function teardown(): Promise<void> {
  driver?.kill("SIGTERM");
}
