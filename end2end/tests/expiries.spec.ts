import { expect, test } from "@playwright/test";
import * as fs from "fs";
import { consoleErrors, hydrated, login, twoActive } from "./helpers";

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
