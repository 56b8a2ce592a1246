import { expect, test } from "@playwright/test";
import { bookOne, hydrated, login } from "./helpers";

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("the mailbox page's small forms save, and a refused one keeps what was typed", async ({ page, browser }) => {
      await login(page);
      // The order is made with JavaScript; the rest as this describe says.
      const maker = await (await browser.newContext({ storageState: await page.context().storageState(), javaScriptEnabled: true })).newPage();
      const { number } = await bookOne(maker);
      await page.goto(`/ordini/${number}`);
      await page.getByRole("table", { name: "Caselle" }).getByRole("link").first().click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dettaglio casella");

      await page.locator("#nota summary").click();
      await page.getByLabel("Nota").fill("Cliente richiamato il 26/11");
      await page.getByRole("button", { name: "Salva nota" }).click();
      await expect(page.locator("#nota").getByRole("status")).toHaveText("Salvato.");
      await expect(page.getByRole("list", { name: "Note" })).toContainText("Cliente richiamato il 26/11");

      await page.locator("#multiutenza summary").click();
      await page.locator("#multiutenza").getByLabel("Nome", { exact: true }).fill("Anna");
      await page.locator("#multiutenza").getByLabel("Cognome").fill("Verdi");
      await page.locator("#multiutenza").getByLabel("Codice fiscale").fill("QSWTFG44D62R632X");
      await page.locator("#multiutenza").getByLabel("E-mail").fill("anna@example.it");
      await page.getByRole("button", { name: "Aggiungi utente" }).click();
      await expect(page.locator("#multiutenza").getByRole("alert")).toContainText("Codice fiscale");
      await expect(page.locator("#multiutenza").getByLabel("Cognome")).toHaveValue("Verdi");
      await page.locator("#multiutenza").getByLabel("Codice fiscale").fill("QSWTFG44D62R632Z");
      await page.getByRole("button", { name: "Aggiungi utente" }).click();
      await expect(page.getByRole("list", { name: "Utenti aggiuntivi" })).toContainText("Anna Verdi (QSWTFG44D62R632Z)");
      await page.getByRole("button", { name: "Rimuovi Anna Verdi" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Utente aggiuntivo rimosso." })).toBeVisible();
      await expect(page.getByRole("list", { name: "Utenti aggiuntivi" })).toHaveCount(0);

      // "Azz.": the used space counted from today, recorded in the history.
      await expect(page.getByRole("region", { name: "Riepilogo servizi" })).toContainText("(usato 0,0 GB) Azz. al -");
      await page.locator("#azzera-disco summary").click();
      await page.getByRole("button", { name: "Azzera spazio usato" }).click();
      await expect(page.getByRole("region", { name: "Riepilogo servizi" })).toContainText(/Azz\. al \d\d\/\d\d\/\d{4}/);
      await expect(page.getByRole("table", { name: "Storia servizi" })).toContainText("SPAZIO_DISCO_AZZERATO");
      await expect(page.getByText("Configurazione contatti casella")).toBeVisible();

      await page.locator("#servizi summary").click();
      await page.getByLabel("Spazio disco (GB)").fill("20");
      await page.getByLabel("Push IMAP").check();
      await page.getByRole("button", { name: "Salva servizi" }).click();
      await expect(page.getByRole("region", { name: "Riepilogo servizi" })).toContainText("Spazio disco 20 GB");

      await page.locator("#filtri summary").click();
      await page.getByLabel("Mittenti rifiutati (uno per riga)").fill("spam@example.it\nAltro@Example.it");
      await page.getByLabel("Accetta solo messaggi PEC").check();
      await page.getByRole("button", { name: "Salva filtri" }).click();
      await expect(page.getByLabel("Mittenti rifiutati (uno per riga)")).toHaveValue("spam@example.it\naltro@example.it");
      await expect(page.getByLabel("Accetta solo messaggi PEC")).toBeChecked();
      await expect(page.getByRole("table", { name: "Storia servizi" })).toContainText("SERVIZI_EXTRA_MODIFICATI");
    });
  });
}

test("editing a booked mailbox checks the name against the platform while typing", async ({ page }) => {
  await login(page);
  const first = await bookOne(page);
  const second = await bookOne(page);
  await page.goto(`/ordini/${second.number}`);
  await page.getByRole("table", { name: "Caselle" }).getByRole("link").first().click();
  await hydrated(page);
  // The form follows the URL: opened and closed in place.
  await page.getByRole("link", { name: "Modifica dati" }).click();
  await expect(page.locator("form#modifica")).toBeVisible();
  await page.getByRole("link", { name: "Annulla" }).click();
  await expect(page.locator("form#modifica")).toHaveCount(0);
  await page.getByRole("link", { name: "Modifica dati" }).click();
  const edit = page.locator("form#modifica");
  const name = edit.getByLabel("Nome casella", { exact: true });
  await name.fill(first.address.toUpperCase());
  await expect(edit.getByText("Casella già esistente")).toBeVisible();
  await expect(name).toHaveAttribute("aria-invalid", "true");
  // Its own name is not "taken".
  await name.fill(second.address);
  await expect(name).not.toHaveAttribute("aria-invalid", "true");
  await page.getByRole("button", { name: "Salva modifiche" }).click();
  await expect(page.getByRole("status")).toContainText("Dati della casella salvati");
});
