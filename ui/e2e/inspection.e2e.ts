// The inspector's day, through the real app: create the store, an inspection, answer items
// (one measurement failing), measure the CA's time server and a certificate chain with the
// PKI field tools, attach a photo, render the act, sign it with two test keys and watch the
// quorum panel turn from "not adopted" to "adopted". Screenshots: target/e2e/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, sleep } from "./webdriver";
import { chooseInFileDialog, makeKeys, makePhoto, startSntp } from "./fixtures";

const APP = process.env.TEKSERU_APP ?? "";
const OUT = process.env.TEKSERU_E2E_OUT ?? join(tmpdir(), "tekseru-e2e");

const CHAIR = { name: "Айгүл Сейітқызы", iin: "810315400008" };
const TECHREG = { name: "Данияр Омаров", iin: "880722300007" };
const INSPECTOR_IIN = "900101300007";
const KNB = { name: "Ерлан Қасымов", iin: "791130400009" };

let s: Session;
const shot = (name: string) => s.screenshot(join(OUT, `${name}.png`));
const text = async (css: string) => (await s.find(css)).text();

async function setSelect(css: string, value: string) {
  await s.execute(
    "const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('change', { bubbles: true }));",
    [css, value],
  );
}

async function fill(css: string, value: string) {
  const el = await s.find(css);
  await el.clear();
  await el.type(value);
}

beforeAll(async () => {
  expect(APP, "TEKSERU_APP names the app binary").not.toBe("");
  s = await Session.start("http://127.0.0.1:4444", APP);
});

afterAll(async () => {
  await s?.end();
});

describe("an inspection from start to a signed, adopted act", () => {
  const work = mkdtempSync(join(tmpdir(), "tekseru-e2e-files-"));
  const keys = makeKeys([CHAIR.iin, KNB.iin]);
  const photo = makePhoto(work, "ceiling.png");

  it("creates the encrypted store", async () => {
    await s.find("[data-testid=unlock]");
    await shot("01-create-store");
    await fill("#inspector", "Test Inspector");
    await fill("[data-testid=inspector-iin]", INSPECTOR_IIN);
    await fill("#passphrase", "correct horse battery staple");
    await fill("#again", "correct horse battery staple");
    await s.clickOn("[data-testid=unlock]");
    await s.find("[data-testid=new-inspection]");
    expect(await text("[data-testid=inspector]")).toBe("Test Inspector");
  });

  it("shows this laptop's device, bound to the inspector", async () => {
    await s.clickOn("[data-testid=this-device]");
    await s.find("[data-testid=device-fingerprint]");
    expect(await text("[data-testid=device-inspector]")).toContain(INSPECTOR_IIN);
    const fingerprint = (await text("[data-testid=device-fingerprint]")).replace(/\s+/g, "");
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // The device id is the fingerprint's first 16 characters.
    expect(fingerprint.startsWith(await text("[data-testid=device-id]"))).toBe(true);
    const key = await s.execute<string>("return document.querySelector('[data-testid=device-public-key]').value");
    expect(key).toMatch(/^ed25519:/);
    // No screenshot here: WebKitWebDriver's answers after a screenshot of this view never
    // came back (seen under Xvfb, Dec 2026); the panel's content is asserted above.
    // WebKitWebDriver's click on this button does not return (the view it leaves is
    // replaced under it); the button's own click does what the user's does.
    await s.execute("document.querySelector('[data-testid=device-back]').click()");
    await s.find("[data-testid=new-inspection]");
  });

  it("switches the language at once", async () => {
    await s.clickOn("[data-testid=lang-ru]");
    expect(await text("[data-testid=new-inspection]")).toBe("Новая проверка");
    await s.clickOn("[data-testid=lang-kk]");
    expect(await text("[data-testid=new-inspection]")).toBe("Жаңа тексеру");
  });

  it("creates an inspection with its commission", async () => {
    await s.clickOn("[data-testid=new-inspection]");
    await s.until("checklists load", () => s.execute<number>("return document.querySelectorAll('#checklist option').length"), (n) => n === 3);
    await setSelect("#checklist", "ca-accreditation-onsite");
    await fill("[data-testid=ca-name]", "«Сенім» куәландырушы орталығы ЖШС");
    await fill("[data-testid=bin]", "050440001000");
    await fill("[data-testid=site]", "Астана қ., Мәңгілік Ел д-лы, 55/22");
    const rows = await s.findAll("[data-testid=member-row]");
    expect(rows).toHaveLength(3);
    const people = [CHAIR, TECHREG, KNB];
    const inputs = await s.findAll("[data-testid=member-row] input"); // name, IIN, position per row
    for (const [i, p] of people.entries()) {
      await inputs[i * 3]?.type(p.name);
      await inputs[i * 3 + 1]?.type(p.iin);
    }
    await s.execute(
      "const sel = document.querySelectorAll('[data-testid=member-row]')[1].querySelectorAll('select'); " +
        "sel[0].value = 'member'; sel[0].dispatchEvent(new Event('change', { bubbles: true })); " +
        "sel[1].value = 'techreg'; sel[1].dispatchEvent(new Event('change', { bubbles: true }));",
    );
    await shot("02-new-inspection");
    await s.clickOn("[data-testid=create]");
    await s.find("[data-testid=item-panel]");
    expect(await text("[data-testid=inspection-title]")).toContain("Сенім");
  });

  it("answers items: a ceiling below 2.44 m fails as it is typed", async () => {
    await s.clickOn("[data-testid='item-server-room.ceiling-height']");
    expect(await text("[data-testid=item-ref]")).toBe("224/НҚ §12(15) ¶6");
    const input = await s.find("[data-testid=measure-input]");
    await input.type("2,31");
    await s.until("live verdict", () => text("[data-testid=measure-live]"), (t) => t === "талапқа сай емес");
    await shot("03-measure-failing");
    await s.clickOn("[data-testid=note]"); // leaving the field saves the value
    await s.until("saved verdict", () => text("[data-testid=item-verdict]"), (t) => t === "Сәйкес емес");

    const field = (sel: string) => s.execute<string | null>(`return document.querySelector("${sel}")?.value ?? null`);
    await (await s.find("[data-testid=note]")).type("2,31 м, лазерлік өлшегішпен");

    // Moving on saves the note; the next item's fields start from what is saved for it.
    await s.clickOn("[data-testid='item-server-room.ups']");
    expect(await text("[data-testid=item-ref]")).not.toBe("224/НҚ §12(15) ¶6");
    expect(await field("[data-testid=note]")).toBe("");
    expect(await field("[data-testid=measure-input]")).toBeNull();
    await s.clickOn("[data-testid=verdict-complies]");
    await s.until("ups verdict", () => text("[data-testid=item-verdict]"), (t) => t === "Сәйкес");
    expect(await text("[data-testid=progress]")).toContain("2 / 26");

    await s.clickOn("[data-testid='item-server-room.ceiling-height']");
    expect(await field("[data-testid=note]")).toBe("2,31 м, лазерлік өлшегішпен");
    expect(await field("[data-testid=measure-input]")).toBe("2.31");
    expect(await text("[data-testid=measure-live]")).toBe("талапқа сай емес");
    await s.clickOn("[data-testid='item-server-room.ups']");
    expect(await text("[data-testid=progress]")).toContain("1 сәйкес емес");

    await s.clickOn("[data-testid=filter-failing]");
    const failing = await s.execute<string[]>(
      "return [...document.querySelectorAll('[data-item]')].map((e) => e.dataset.item)",
    );
    expect(failing).toEqual(["server-room.ceiling-height"]);
    await s.clickOn("[data-testid=filter-all]");
  });

  it("measures the CA's time server and its chain with the field tools, keeping the reports", async () => {
    // §12(8): the time server answers 120 ms off this machine's clock, within the 1 s accepted.
    const sntp = await startSntp(120);
    try {
      await s.clickOn("[data-testid='item-operations.time-synchronization']");
      await s.find("[data-testid=pki-tool]");
      expect(await text("[data-testid=item-verdict]")).toBe("Жауап жоқ");
      await fill("[data-testid=pki-server]", sntp.address);
      await s.clickOn("[data-testid=pki-run]");
      await s.until("time verdict", () => text("[data-testid=pki-verdict]"), (t) => t === "Нәтиже: талапқа сай", 15_000);
      expect(await text("[data-testid=pki-lines]")).toMatch(/127\.0\.0\.1:\d+: ноутбукке қатысты ауытқу \+1[0-9]{2}\.\d мс/);
      expect(await text("[data-testid=pki-proposed]")).toBe("Ұсынылған үкім: Сәйкес");
      // Proposed, not set: the item is still unanswered until the inspector takes it.
      expect(await text("[data-testid=item-verdict]")).toBe("Жауап жоқ");
      await s.clickOn("[data-testid=pki-attach]");
      await s.until("report attached", async () => (await s.findAll("[data-testid=evidence-row]")).length, (n) => n === 2);
      const rows = await s.findAll("[data-testid=evidence-row]");
      expect(await rows[0]?.text()).toMatch(/pki-time-\d{8}T\d{6}Z\.json/);
      expect(await rows[1]?.text()).toMatch(/pki-time-\d{8}T\d{6}Z\.txt/);
      expect(await text("[data-testid=item-verdict]")).toBe("Жауап жоқ");
      await s.clickOn("[data-testid=pki-use-verdict]");
      await s.until("verdict taken", () => text("[data-testid=item-verdict]"), (t) => t === "Сәйкес");
      await shot("04a-time-check");
    } finally {
      sntp.close();
    }

    // §12(2): a certificate made by these tests does not chain to the NCA RK roots.
    await s.clickOn("[data-testid='item-pki.chain-building']");
    await s.clickOn("[data-testid=pki-choose-cert]");
    chooseInFileDialog("Тексерілетін сертификат", keys.root);
    await s.until(
      "chosen",
      () => s.execute<string>("return document.querySelector('[data-testid=pki-chosen-cert]').textContent.trim()"),
      (t) => t === "root.pem",
    );
    await s.clickOn("[data-testid=pki-run]");
    await s.until("chain verdict", () => text("[data-testid=pki-verdict]"), (t) => t === "Нәтиже: талапқа сай емес");
    expect(await text("[data-testid=pki-lines]")).toContain("1. tekseru e2e test root");
    expect(await text("[data-testid=pki-lines]")).toContain("Тізбек сенім түбіріне жетпейді");
    expect(await text("[data-testid=pki-proposed]")).toBe("Ұсынылған үкім: Сәйкес емес");
    await shot("04b-chain-check");
  });

  it("decides every other item from the keyboard and the inventory table", async () => {
    const items = await s.execute<string[]>(
      "return [...document.querySelectorAll('[data-item]')].map((e) => e.dataset.item)",
    );
    expect(items).toHaveLength(26);
    for (const id of items) {
      if (id === "server-room.ceiling-height" || id === "server-room.ups") continue;
      await s.clickOn(`[data-testid='item-${id}']`);
      if (id === "server-room.grounding-conduit") {
        await (await s.find("[data-testid=measure-input]")).type("2");
        await s.clickOn("[data-testid=note]");
      } else if (id === "conformity.equipment-inventory") {
        await s.clickOn("[data-testid=add-row]");
        const cells = await s.findAll("[data-testid=inventory] tbody input:not([type=checkbox])");
        for (const [i, v] of ["SN-0001", "PowerEdge R750", "Dell", "серверлік № 3"].entries()) await cells[i]?.type(v);
        const boxes = await s.findAll("[data-testid=inventory] tbody input[type=checkbox]");
        await boxes[1]?.click(); // found (declared is ticked for a new row)
      } else {
        await s.keys("1");
      }
      await s.until(`verdict of ${id}`, () => text("[data-testid=item-verdict]"), (t) => t === "Сәйкес");
    }
    expect(await text("[data-testid=progress]")).toContain("26 / 26");
    expect(await text("[data-testid=progress]")).toContain("1 сәйкес емес");
  });

  it("attaches a photo through the file dialog", async () => {
    await s.clickOn("[data-testid='item-server-room.ceiling-height']");
    await s.clickOn("[data-testid=attach]");
    chooseInFileDialog("Файл тіркеу", photo);
    await s.until("evidence row", async () => (await s.findAll("[data-testid=evidence-row]")).length, (n) => n === 1);
    expect(await text("[data-testid=evidence-row]")).toContain("ceiling.png");
    await sleep(300);
    await shot("04-evidence");
  });

  it("writes the conclusions the act must state before it is signed", async () => {
    await s.clickOn("[data-testid=tab-findings]");
    await fill("[data-testid=act-number]", "КО-17/2026");
    await fill("[data-testid=conclusions]", "Төбенің биіктігі талапқа сәйкес келмейді.");
    await s.clickOn("[data-testid=save-conclusions]");
    await s.until("saved", async () => (await s.findAll("[data-testid=conclusions-saved]")).length, (n) => n === 1);
  });

  it("renders the act and shows its pages", async () => {
    await s.clickOn("[data-testid=tab-act]");
    await s.clickOn("[data-testid=render-act]");
    await s.until("act pages", async () => (await s.findAll("[data-testid=act-page]")).length, (n) => n >= 1, 60_000);
    expect(await text("[data-testid=quorum-verdict]")).toBe("Қабылданбады");
    await shot("05-act-rendered");
  });

  it("members sign in turn; the quorum panel turns to adopted", async () => {
    expect(await text("[data-testid=no-roots]")).toContain("түбірлік сертификат");
    await s.clickOn("[data-testid=add-root]");
    chooseInFileDialog("PEM", keys.root);
    await s.until("root trusted", () => text("[data-testid=trusted-roots]"), (t) => t.includes("1"));
    expect((await s.findAll("[data-testid=no-roots]")).length).toBe(0);
    for (const [n, member] of [CHAIR, KNB].entries()) {
      const key = keys.keys.get(member.iin);
      if (!key) throw new Error("no key");
      await setSelect("[data-testid=signer]", member.iin);
      await s.clickOn("[data-testid=choose-key]");
      chooseInFileDialog("Кілтті таңдау", key.p12);
      await fill("[data-testid=key-password]", key.password);
      await s.clickOn("[data-testid=sign]");
      await s.until(
        `signature ${n + 1}`,
        async () => {
          const errors = await s.findAll("[data-testid=act-error]");
          if (errors.length > 0) throw new Error(`signing failed: ${await errors[0]?.text()}`);
          return text(`[data-testid=signer-${member.iin}]`);
        },
        (t) => t.includes("Қол қойды"),
        30_000,
      );
      if (n === 0) {
        expect(await text("[data-testid=quorum-verdict]")).toBe("Қабылданбады");
        await shot("06-one-signature");
      }
    }
    await s.until("adopted", () => text("[data-testid=quorum-verdict]"), (t) => t === "Қабылданды");
    expect(await text("[data-testid=quorum-panel]")).toContain("224/НҚ §13 ¶4");
    await shot("07-adopted");
  });

  it("counts the procedure's deadlines from a recorded date", async () => {
    await s.clickOn("[data-testid=tab-timeline]");
    await s.find("[data-testid=timeline]");
    await s.execute(
      "const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('input', { bubbles: true }));",
      ["[data-testid=date-application-registered]", "2026-11-20"],
    );
    await s.clickOn("[data-testid=record-application-registered]");
    await s.until(
      "recorded step",
      () => text("[data-step=application-registered]"),
      (t) => t.includes("2026-11-20"),
    );
    // The completeness check is due 2 working days later: Tuesday 24 November 2026.
    expect(await text("[data-step=completeness-checked]")).toContain("2026-11-24");
    // Why, in the language of the screen, with the law's words (what follows it, whether
    // the step is overdue, depends on the day the test runs).
    expect(await text("[data-testid=why-completeness-checked]")).toContain(
      "мерзімі 2026-11-24 (сейсенбі): «Өтініш тіркелді» (2026-11-20) қадамынан кейін 2 жұмыс күні — 224/НҚ §8 ¶1 «өтініш тіркелген күннен бастап екі жұмыс күні ішінде»",
    );
    await shot("08-timeline");
  });
});
