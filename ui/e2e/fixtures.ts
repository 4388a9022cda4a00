// What the end-to-end tests need on disk: test keys and certificates made with openssl at
// test time (never committed), and a photo to attach.
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

export interface TestKey {
  p12: string;
  password: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A test root CA and, for each IIN, a .p12 whose certificate's subject carries `IIN<iin>`. */
export function makeKeys(iins: string[]): { dir: string; root: string; keys: Map<string, TestKey> } {
  const dir = mkdtempSync(join(tmpdir(), "tekseru-e2e-keys-"));
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem",
    "-days", "30", "-subj", "/CN=tekseru e2e test root/O=tekseru tests",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  const keys = new Map<string, TestKey>();
  for (const iin of iins) {
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${iin}.key`, "-out", `${iin}.csr`,
      "-subj", `/CN=Member ${iin}/serialNumber=IIN${iin}/C=KZ`], dir);
    writeFileSync(join(dir, `${iin}.ext`), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n");
    openssl(["x509", "-req", "-in", `${iin}.csr`, "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
      "-out", `${iin}.pem`, "-days", "30", "-extfile", `${iin}.ext`], dir);
    const password = `pw-${iin.slice(-4)}`;
    openssl(["pkcs12", "-export", "-inkey", `${iin}.key`, "-in", `${iin}.pem`, "-certfile", "root.pem",
      "-out", `${iin}.p12`, "-passout", `pass:${password}`], dir);
    keys.set(iin, { p12: join(dir, `${iin}.p12`), password });
  }
  return { dir, root: join(dir, "root.pem"), keys };
}

/** A small PNG photo (a gradient) to attach as evidence. */
export function makePhoto(dir: string, name: string): string {
  const w = 96;
  const h = 64;
  const rows: Buffer[] = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      row[1 + x * 3] = (x * 255) / w;
      row[2 + x * 3] = (y * 255) / h;
      row[3 + x * 3] = 120;
    }
    rows.push(row);
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  const path = join(dir, name);
  writeFileSync(path, png);
  return path;
}

/**
 * Types a path into the GTK file chooser titled `title` that the app has just opened, as a
 * user would. Under Xvfb there is no window manager to focus the new dialog, so it is
 * focused first.
 */
export function chooseInFileDialog(title: string, path: string): void {
  const name = `^${title}$`;
  const dialog = (): string | null => {
    try {
      return execFileSync("xdotool", ["search", "--onlyvisible", "--name", name]).toString().trim().split("\n")[0] || null;
    } catch {
      return null; // xdotool exits 1 when no window matches
    }
  };
  execFileSync("xdotool", ["search", "--sync", "--onlyvisible", "--name", name, "windowfocus", "--sync", "%1"], {
    timeout: 15_000,
  });
  // Ctrl+L opens the location bar; typing a path there is what a keyboard user does.
  execFileSync("xdotool", ["sleep", "0.3", "key", "ctrl+l", "sleep", "0.5", "type", "--delay", "20", path]);
  if (process.env.TEKSERU_E2E_DEBUG) {
    execFileSync("sh", ["-c", `xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > ${process.env.TEKSERU_E2E_DEBUG}/dialog-${Date.now()}.png`]);
  }
  // Return accepts; a completion popup may take the first one.
  for (let i = 0; i < 4; i++) {
    const id = dialog();
    if (!id) return;
    execFileSync("xdotool", ["windowfocus", "--sync", id, "sleep", "0.6", "key", "Return", "sleep", "0.8"]);
  }
  throw new Error(`the file dialog '${title}' did not accept ${path}`);
}

/** NTP's timestamp (seconds since 1900 and a binary fraction) of a time in milliseconds. */
function ntp(ms: number): Buffer {
  const out = Buffer.alloc(8);
  const seconds = Math.floor(ms / 1000);
  out.writeUInt32BE((seconds + 2_208_988_800) >>> 0, 0);
  out.writeUInt32BE(Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32) >>> 0, 4);
  return out;
}

/**
 * A small SNTP server on 127.0.0.1 (stratum 1, "GPS") whose clock is `offsetMs` off this
 * machine's: the CA's time server as the field check sees it.
 */
export async function startSntp(offsetMs: number): Promise<{ address: string; close: () => void }> {
  const socket = createSocket("udp4");
  socket.on("message", (request, from) => {
    if (request.length < 48) return;
    const out = Buffer.alloc(48);
    out[0] = (4 << 3) | 4; // no leap warning, version 4, mode 4 (server)
    out[1] = 1;
    out.write("GPS", 12, "ascii");
    request.copy(out, 24, 40, 48); // originate = the client's transmit time
    ntp(Date.now() + offsetMs).copy(out, 32);
    ntp(Date.now() + offsetMs).copy(out, 40);
    socket.send(out, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { address: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}
