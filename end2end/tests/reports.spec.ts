import { expect, test } from "@playwright/test";
import * as fs from "fs";
import { consoleErrors, hydrated, login, twoActive } from "./helpers";

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("Report draws each chart in a figure beside its table and exports it", async ({ page, browser }) => {
      const log = consoleErrors(page);
      await twoActive(browser); // something to count in every report
      await login(page, "admin");
      await page.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: "Report" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Report");
      if (js) await hydrated(page);

      // Each report: a figure with its caption (the chart) and a table with the same numbers.
      // (Spazio disco per cliente is counted hourly: the mailboxes made here are not in it yet.)
      const figures = page.getByRole("figure");
      await expect(figures).toHaveCount(7);
      await expect(page.getByRole("region", { name: "Spazio disco per cliente" })).toBeVisible();
      const byState = page.getByRole("region", { name: "Caselle per stato" });
      await expect(byState.getByRole("figure")).toContainText("Caselle per stato (situazione attuale)");
      await expect(byState.locator("figure svg rect").first()).toBeVisible();
      const table = byState.getByRole("table", { name: "Caselle per stato (situazione attuale)" });
      await expect(table.getByRole("columnheader")).toHaveText(["Stato", "Caselle"]);
      const firstState = (await table.getByRole("rowheader").first().textContent())!.trim();
      const firstCount = (await table.getByRole("row").nth(1).getByRole("cell").first().textContent())!.trim();

      // The export: Excel's CSV with the table's rows.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        byState.getByRole("link", { name: "Esporta CSV" }).click(),
      ]);
      const lines = fs.readFileSync(await download.path(), "utf8").split("\r\n");
      expect(lines[0]).toBe("\ufeffStato;Caselle");
      expect(lines[1]).toBe(`${firstState};${firstCount}`);

      // The period filter: 24 months in the monthly report.
      await page.getByLabel("Periodo").selectOption("24");
      await page.getByRole("button", { name: "Filtra" }).click();
      const monthly = page.getByRole("region", { name: "Attivazioni, scadenze e rinnovi per mese" });
      await expect(monthly.getByRole("table")).toHaveAccessibleName("Attivazioni, scadenze e rinnovi per mese (ultimi 24 mesi)");
      await expect(monthly.getByRole("table").getByRole("rowheader")).toHaveCount(24);
      log.check();
    });

    test("Gestione scadenze prodotti renews a mailbox's products in a renewal order", async ({ page, browser }) => {
      const log = consoleErrors(page);
      const { userids } = await twoActive(browser);
      await login(page, "operatore");
      // The products the offer gives (Conservazione a norma, Credito SMS), on the mailbox page.
      await page.goto(`/caselle/${userids[0]}`);
      const products = page.getByRole("table", { name: "Prodotti a scadenza" });
      const row = products.getByRole("row").filter({ hasText: "Conservazione a norma" });
      await expect(row).toContainText("LM-CONS-12");
      const end = (await row.getByRole("cell").nth(5).textContent())!.trim();
      const [d, m, y] = end.split("/");
      const iso = `${y}-${m}-${d}`;

      await page.goto(`/scadenze/prodotti?dal=${iso}&al=${iso}&prodotto=CONSERVAZIONE`);
      if (js) await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gestione scadenze prodotti");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Esporta CSV" }).click(),
      ]);
      const csv = fs.readFileSync(await download.path(), "utf8");
      expect(csv.split("\r\n")[0]).toBe("\ufeffUserid;Casella;Cliente;Offerta;Ordine;Prodotto;Quantità;Codice listino;Stato;Inizio;Scadenza");
      for (const u of userids) expect(csv).toContain(u);

      for (const u of userids) await page.getByRole("checkbox", { name: `Seleziona ${u}` }).check();
      await page.getByRole("button", { name: "Rinnova selezionate" }).click();
      await expect(page.getByRole("status")).toContainText("Rinnovo eseguito: 2 prodotti rinnovati.");
      await page.getByRole("status").getByRole("link").first().click();
      const renewed = page.getByRole("table", { name: "Prodotti rinnovati" });
      for (const u of userids) await expect(renewed.getByRole("row").filter({ hasText: u })).toContainText(`${d}/${m}/${Number(y) + 1}`);
      log.check();
    });
  });
}
