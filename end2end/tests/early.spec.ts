import { expect, Page, test } from "@playwright/test";
import * as fs from "fs";
import { block, bookOne, hydrated, linkFor, login, signAndUpload, signContract, toMailboxStep } from "./helpers";

// Issue 25: what a user types, chooses or ticks before a page becomes interactive is kept and
// checked when it does. A slow client: the CPU throttled ×6, and the bundle held back until the
// typing is done, so that every keystroke lands before the islands hydrate.

/** Loads `path` on a slow client whose bundle (or other script, `held`) arrives only when
 * `release` is called. */
async function slowLoad(page: Page, path: string, held: RegExp = /\/pkg\/[^?]*\.wasm$/) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 6 });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route(held, async (route) => {
    await released;
    await route.continue();
  });
  await page.goto(path, { waitUntil: "domcontentloaded" });
  return {
    release: async () => {
      // Typed before the page was interactive: the mark is not there yet.
      await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
      release();
      await hydrated(page);
      await page.unroute(held);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    },
  };
}

test("step 2: what is typed before hydration is kept and checked", async ({ page }) => {
  await login(page, "alfa");
  await toMailboxStep(page);
  const step2 = new URL(page.url()).pathname;
  const slow = await slowLoad(page, step2);
  const address = block(page, 1).getByLabel("Nome casella", { exact: true });
  const cf = block(page, 1).getByLabel("Codice fiscale", { exact: true });
  await address.pressSequentially("presto@testcert.legalmail.it");
  await cf.pressSequentially("RSSMRA70A01H501X");
  await slow.release();
  await expect(address).toHaveValue("presto@testcert.legalmail.it");
  await expect(cf).toHaveValue("RSSMRA70A01H501X");
  // Checked once interactive, as if typed then: the wrong check character is flagged.
  await expect(cf).toHaveAttribute("aria-invalid", "true");
  // And the page goes on from there: one more character is one more.
  await address.press("End");
  await address.pressSequentially("x");
  await expect(address).toHaveValue("presto@testcert.legalmail.itx");
});

test("/attiva: the password typed before hydration is kept and its rules shown", async ({ page, browser }) => {
  await login(page);
  const { address } = await bookOne(page);
  await signAndUpload(page);
  const link = await linkFor(address);
  const holder = await browser.newPage();
  const slow = await slowLoad(holder, link);
  const password = holder.getByLabel("Password", { exact: true });
  await password.pressSequentially("Presto-2026-x");
  await holder.getByLabel("Conferma password").pressSequentially("Presto-2026-x");
  await slow.release();
  await expect(password).toHaveValue("Presto-2026-x");
  await expect(holder.getByLabel("Conferma password")).toHaveValue("Presto-2026-x");
  const rules = holder.getByRole("list", { name: "Regole della password" });
  await expect(rules.getByRole("listitem").filter({ hasText: "(da rispettare)" })).toHaveCount(0);
  await holder.close();
});

test("a back-office form keeps what was typed and chosen before hydration", async ({ page }) => {
  await login(page, "alfa.admin");
  const slow = await slowLoad(page, "/configurazione/clienti");
  const form = page.getByRole("form", { name: "Nuovo cliente" });
  await form.getByLabel("Denominazione").pressSequentially("Cliente Lento");
  await form.getByLabel("Tipo cliente").selectOption({ label: "Impresa" });
  await form.getByLabel("Legale rappresentante").pressSequentially("RSSMRA70A01H501X");
  await slow.release();
  await expect(form.getByLabel("Denominazione")).toHaveValue("Cliente Lento");
  await expect(form.getByLabel("Tipo cliente")).toHaveValue("IMPRESA");
  await expect(form.getByLabel("Legale rappresentante")).toHaveValue("RSSMRA70A01H501X");
  await expect(form.getByLabel("Legale rappresentante")).toHaveAttribute("aria-invalid", "true");
});

test("a signed contract chosen before the page's script ran is sent when it runs", async ({ page }) => {
  await login(page);
  const { number } = await bookOne(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download Contratto" }).click(),
  ]);
  const p7m = signContract(fs.readFileSync(await download.path()));
  // Dettaglio ordine loads no bundle: its one script (public/enhance.js) is what is held back.
  const slow = await slowLoad(page, `/ordini/${number}`, /\/enhance\.js$/);
  await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "contratto.pdf.p7m", mimeType: "application/pkcs7-mime", buffer: p7m });
  await slow.release();
  await expect(page.getByRole("status")).toContainText("EVASO");
});
