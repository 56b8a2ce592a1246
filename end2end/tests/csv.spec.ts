import { expect, test } from "@playwright/test";
import * as path from "path";
import { block, consoleErrors, fillMailbox, fillRequest, hydrated, login, uniq } from "./helpers";

const seed = path.join(__dirname, "../../tests/data/seed.csv");

async function toStepTwo(page: import("@playwright/test").Page, js: boolean) {
  await login(page);
  await page.goto("/richiesta");
  if (js) await hydrated(page);
  await fillRequest(page);
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/caselle$/);
  if (js) await hydrated(page);
}

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("the seed's file joins the typed mailbox, its errors shown per row", async ({ page }) => {
      const log = consoleErrors(page);
      await toStepTwo(page, js);
      const typed = `digitata_${uniq()}@testcert.legalmail.it`;
      await fillMailbox(page, 1, { address: typed, passwordEmail: "pwd@example.it", description: "Da non perdere" });
      const zone = page.locator("#importazione");
      await expect(zone).toContainText("Trascina i file da allegare o sfoglia");
      await zone.getByLabel("Carica file CSV").setInputFiles(seed);
      await page.getByRole("button", { name: "Carica", exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: "9 caselle aggiunte" })).toBeVisible();
      await expect(page.getByText("La riga 2 è la riga di esempio del modello ed è stata ignorata.")).toBeVisible();
      await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (10)" })).toBeVisible();
      await expect(block(page, 1).getByLabel("Nome casella", { exact: true })).toHaveValue(typed);
      await expect(block(page, 1).getByLabel("Descrizione", { exact: true })).toHaveValue("Da non perdere");
      await expect(block(page, 2).getByLabel("Nome casella", { exact: true })).toHaveValue("Nuova_da_csv_1@testcert.legalmail.it");
      await expect(block(page, 2)).toContainText("Codice fiscale non valido");
      const [report] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Scarica le righe con errori (CSV)" }).click(),
      ]);
      const lines = require("fs").readFileSync(await report.path(), "utf8").replace(/^\uFEFF/, "").trim().split("\r\n");
      expect(lines).toHaveLength(10);
      expect(lines[1]).toContain("Nuova_da_csv_1@testcert.legalmail.it");
      if (js) log.check();
    });

    test("a file that is not a CSV is refused and nothing typed is lost", async ({ page }) => {
      await toStepTwo(page, js);
      const typed = `resta_${uniq()}@legalmail.it`;
      await fillMailbox(page, 1, { address: typed, passwordEmail: "pwd@example.it" });
      await page.getByLabel("Carica file CSV").setInputFiles({
        name: "foto.csv",
        mimeType: "text/csv",
        buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
      });
      await page.getByRole("button", { name: "Carica", exact: true }).click();
      await expect(page.getByRole("alert").filter({ hasText: "il contenuto non è testo" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (1)" })).toBeVisible();
      await expect(block(page, 1).getByLabel("Nome casella", { exact: true })).toHaveValue(typed);
    });
  });
}
