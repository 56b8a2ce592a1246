import { expect, test } from "@playwright/test";
import { consoleErrors, hydrated, login, uniq } from "./helpers";

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("Offerte: the provider creates an offer, a reseller may order it, then it is deactivated", async ({
      page,
    }) => {
      const log = consoleErrors(page);
      const code = `T${uniq().toUpperCase()}`.slice(0, 20).replace(/[^A-Z0-9]/g, "X");
      const name = `Offerta di prova ${code}`;
      await login(page, "admin");
      await page.goto("/offerte");
      if (js) await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Offerte");
      const form = page.getByRole("form", { name: "Nuova offerta" });
      if (js) {
        // Each field is checked as it is typed, before anything is sent.
        await form.getByLabel("Durata (mesi)").fill("0");
        await expect(form.getByLabel("Durata (mesi)")).toHaveAttribute("aria-invalid", "true");
        await expect(form).toContainText("Un numero intero da 1 a 120");
      } else {
        // Without JavaScript the server refuses it and keeps what was typed.
        await form.getByLabel("Codice").fill(code);
        await form.getByLabel("Durata (mesi)").fill("0");
        await form.getByRole("button", { name: "Salva offerta" }).click();
        await expect(page.getByText("Un numero intero da 1 a 120")).toBeVisible();
        await expect(page.getByRole("form", { name: "Nuova offerta" }).getByLabel("Codice")).toHaveValue(code);
      }
      const again = page.getByRole("form", { name: "Nuova offerta" });
      await again.getByLabel("Codice").fill(code);
      await again.getByLabel("Nome", { exact: true }).fill(name);
      await again.getByLabel("Descrizione").fill("Casella per i test end-to-end");
      await again.getByLabel("Durata (mesi)").fill("24");
      await again.getByLabel("Spazio disco (GB)").fill("4");
      await again.getByLabel("Prezzo di listino (€)").fill("19,90");
      await again.getByLabel("Push IMAP").check();
      await again.getByLabel("Rivenditore Alfa").check();
      await again.getByRole("button", { name: "Salva offerta" }).click();
      await expect(page.getByRole("status")).toContainText(`Offerta ${code} salvata.`);
      const table = page.getByRole("table", { name: /Offerte/ });
      for (const header of ["Codice", "Nome", "Durata (mesi)", "Stato"]) {
        await expect(table.getByRole("columnheader", { name: header, exact: true })).toBeVisible();
      }
      const row = table.getByRole("row").filter({ hasText: code });
      await expect(row).toContainText("€ 19,90");
      await expect(row).toContainText("Attiva");

      // Alfa's operator sees it in step 1.
      await page.context().clearCookies();
      await login(page, "alfa");
      await page.goto("/richiesta");
      if (js) await hydrated(page);
      await expect(page.getByLabel("Tipologia casella").locator("option", { hasText: name })).toHaveCount(1);

      // Deactivated: no longer offered.
      await page.context().clearCookies();
      await login(page, "admin");
      await page.goto("/offerte");
      if (js) await hydrated(page);
      await page.getByRole("link", { name: `Modifica ${code}` }).click();
      const edit = page.getByRole("form", { name: "Modifica offerta" });
      await edit.getByLabel("Attiva (ordinabile)").uncheck();
      await edit.getByRole("button", { name: "Salva offerta" }).click();
      await expect(page.getByRole("status")).toContainText(`Offerta ${code} salvata.`);
      await expect(page.getByRole("table", { name: /Offerte/ }).getByRole("row").filter({ hasText: code })).toContainText(
        "Non attiva",
      );
      await page.context().clearCookies();
      await login(page, "alfa");
      await page.goto("/richiesta");
      await expect(page.getByLabel("Tipologia casella").locator("option", { hasText: name })).toHaveCount(0);
      log.check();
    });
  });
}

test("a reseller's operator reads its offers and cannot edit them", async ({ page }) => {
  await login(page, "beta");
  await page.goto("/offerte");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Offerte");
  await expect(page.getByRole("columnheader", { name: "Codice" })).toBeVisible();
  await expect(page.getByRole("form", { name: "Nuova offerta" })).toHaveCount(0);
});
