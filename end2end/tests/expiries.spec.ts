import { Browser, expect, test } from "@playwright/test";
import * as fs from "fs";
import { consoleErrors, hydrated, login, orderUpToReview, uniq } from "./helpers";

/** Two mailboxes ordered and activated (contract downloaded and uploaded), in a browser of
 * their own with JavaScript: their userids and their expiry date as `YYYY-MM-DD`. */
async function twoActive(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  await login(page, "operatore");
  const u = uniq();
  const addresses = [`rinnovo-a-${u}@legalmail.it`, `rinnovo-b-${u}@legalmail.it`];
  await orderUpToReview(
    page,
    addresses.map((address) => ({ address, passwordEmail: "titolare@example.it" })),
  );
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
  await hydrated(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download Contratto" }).click(),
  ]);
  const pdf = fs.readFileSync(await download.path());
  await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "firmato.pdf", mimeType: "application/pdf", buffer: pdf });
  await expect(page.getByRole("status")).toContainText("EVASO");
  const table = page.getByRole("table", { name: "Caselle" });
  const userids: string[] = [];
  for (const address of addresses) {
    userids.push((await table.getByRole("row").filter({ hasText: address }).getByRole("link").first().textContent())!.trim());
  }
  await table.getByRole("link", { name: userids[0] }).click();
  const expiry = (await page.locator("dt:text-is('Data scadenza') + dd").textContent())!.trim();
  const [d, m, y] = expiry.split("/");
  await context.close();
  return { userids, iso: `${y}-${m}-${d}`, nextYear: `${d}/${m}/${Number(y) + 1}` };
}

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("Gestione scadenze caselle renews two mailboxes in a renewal order and exports the list", async ({
      page,
      browser,
    }) => {
      const log = consoleErrors(page);
      const { userids, iso, nextYear } = await twoActive(browser);
      await login(page, "operatore");
      await page.goto(`/scadenze/caselle?dal=${iso}&al=${iso}`);
      if (js) await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gestione scadenze caselle");
      await expect(page.getByLabel("Scadenza entro")).toBeVisible();

      // The export of the current filter: Excel's CSV with the two mailboxes.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Esporta CSV" }).click(),
      ]);
      const csv = fs.readFileSync(await download.path(), "utf8");
      expect(csv.split("\r\n")[0]).toBe("\ufeffUserid;Casella;Descrizione;Cliente;Offerta;Ordine;Stato;Scadenza;Rinnovo tacito");
      for (const u of userids) expect(csv).toContain(u);

      for (const u of userids) await page.getByRole("checkbox", { name: `Seleziona ${u}` }).check();
      await page.getByRole("button", { name: "Rinnova selezionate" }).click();
      await expect(page.getByRole("status")).toContainText("Rinnovo eseguito: 2 caselle rinnovate.");
      // Renewed a year on: no longer in this window; the renewal order lists them.
      await expect(page.getByRole("checkbox", { name: `Seleziona ${userids[0]}` })).toHaveCount(0);
      await page.getByRole("status").getByRole("link").first().click();
      await expect(page.getByRole("definition").filter({ hasText: /^RINNOVO$/ })).toBeVisible();
      const lines = page.getByRole("table", { name: "Caselle" });
      for (const u of userids) await expect(lines.getByRole("link", { name: u })).toBeVisible();
      await lines.getByRole("link", { name: userids[0] }).click();
      await expect(page.locator("dt:text-is('Data scadenza') + dd")).toHaveText(nextYear);
      await expect(page.locator("dt:text-is('Data scad. fattura') + dd")).toHaveText(nextYear);
      log.check();
    });
  });
}
