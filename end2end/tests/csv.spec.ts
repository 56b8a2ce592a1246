import { expect, Page, test } from "@playwright/test";
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

/** Chooses a file: with JavaScript that sends it at once; without, "Carica" posts the form. */
async function upload(page: Page, js: boolean, file: string | { name: string; mimeType: string; buffer: Buffer }) {
  await page.getByLabel("Carica file CSV").setInputFiles(file);
  if (!js) await page.getByRole("button", { name: "Carica", exact: true }).click();
}

const HEADER = "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname";

/** A file as Excel (Italian) saves it, of `n` valid rows; `bad` replaces some rows. */
function csvFile(prefix: string, n: number, bad: Record<number, string> = {}) {
  const lines = [HEADER];
  for (let i = 1; i <= n; i++) {
    lines.push(bad[i] ?? `${prefix}.${i}@testcert.legalmail.it;Riga ${i};gestione.${i}@example.it;Mario;Rossi;RSSMRA70A01H501S;`);
  }
  return { name: `${prefix}.csv`, mimeType: "text/csv", buffer: Buffer.from("\uFEFF" + lines.join("\r\n") + "\r\n", "utf8") };
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
      await upload(page, js, seed);
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
      await upload(page, js, {
        name: "foto.csv",
        mimeType: "text/csv",
        buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
      });
      await expect(page.getByRole("alert").filter({ hasText: "il contenuto non è testo" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (1)" })).toBeVisible();
      await expect(block(page, 1).getByLabel("Nome casella", { exact: true })).toHaveValue(typed);
    });

    test("a file of valid rows is ordered", async ({ page }) => {
      await toStepTwo(page, js);
      const prefix = `valida${uniq()}`;
      await upload(page, js, csvFile(prefix, 3));
      await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (3)" })).toBeVisible();
      await expect(block(page, 3).getByLabel("Nome casella", { exact: true })).toHaveValue(`${prefix}.3@testcert.legalmail.it`);
      await page.getByRole("button", { name: "Continua" }).click();
      await expect(page).toHaveURL(/\/verifica$/);
      await page.getByRole("button", { name: "Conferma" }).click();
      await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
      await expect(page.getByRole("cell", { name: `${prefix}.2@testcert.legalmail.it` })).toBeVisible();
    });

    test("a request larger than a page is paged by the server: step 2, review and summary", async ({ page }) => {
      const log = consoleErrors(page);
      await toStepTwo(page, js);
      const prefix = `pag${uniq()}`;
      await upload(page, js, csvFile(prefix, 150));
      await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (150)" })).toBeVisible();
      const table = page.getByRole("table", { name: "Caselle della richiesta" });
      await expect(table.locator("tbody tr")).toHaveCount(100);
      await expect(page.getByText("Pagina 1 di 2")).toBeVisible();
      await page.getByRole("button", { name: "Pagina successiva" }).click();
      await expect(page.getByText("Pagina 2 di 2")).toBeVisible();
      await expect(table.locator("tbody tr")).toHaveCount(50);
      await expect(table.locator("#riga-150")).toContainText(`${prefix}.150@testcert.legalmail.it`);
      if (js) await hydrated(page);
      await page.getByRole("button", { name: "Continua" }).click();
      await expect(page).toHaveURL(/\/verifica$/);
      await expect(page.getByText("Caselle 1–100 di 150").first()).toBeVisible();
      await page.getByRole("link", { name: "Pagina successiva" }).first().click();
      await expect(page.getByText("Caselle 101–150 di 150").first()).toBeVisible();
      await expect(page.getByRole("cell", { name: `${prefix}.150@testcert.legalmail.it` })).toBeVisible();
      if (js) await hydrated(page);
      await page.getByRole("button", { name: "Conferma" }).click();
      await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
      await expect(page.getByText("Caselle 1–100 di 150").first()).toBeVisible();
      if (js) log.check();
    });

    test("a large file becomes a table: filter, fix a row in place, remove one, order", async ({ page }) => {
      const log = consoleErrors(page);
      await toStepTwo(page, js);
      const prefix = `tab${uniq()}`;
      const file = csvFile(prefix, 60, {
        5: `${prefix}.5@testcert.legalmail.it;Riga 5;gestione.5@example.it;Mario;Rossi;CGNNM080A01H501M;`,
        40: `${prefix}.40@altro-dominio.it;Riga 40;gestione.40@example.it;Mario;Rossi;RSSMRA70A01H501S;`,
      });
      await upload(page, js, file);
      await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (60)" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "60 caselle, 2 con errori" })).toBeVisible();
      // A table, not 60 fieldsets.
      await expect(page.getByRole("group", { name: /^Casella \d+$/ })).toHaveCount(0);
      const table = page.getByRole("table", { name: "Caselle della richiesta" });
      await expect(table.locator("tbody tr")).toHaveCount(60);
      await page.getByLabel("solo righe con errori").check();
      if (!js) await page.getByRole("button", { name: "Filtra" }).click();
      await expect(table.locator("tbody tr")).toHaveCount(2);
      await expect(table.locator("#riga-5")).toContainText("Codice fiscale");
      await expect(table.locator("#riga-40")).toContainText("Nome casella");

      await page.getByRole("button", { name: "Correggi casella 5" }).click();
      const editor = block(page, 5);
      await expect(editor.getByLabel("Nome casella", { exact: true })).toHaveValue(`${prefix}.5@testcert.legalmail.it`);
      const cf = editor.getByLabel("Codice fiscale", { exact: true });
      if (js) {
        // Checked on every keystroke; duplicates of earlier rows a moment later, by the server.
        await editor.getByLabel("Nome casella", { exact: true }).fill(`${prefix}.1@testcert.legalmail.it`);
        await expect(editor.getByText("Casella duplicata nella richiesta (riga 1)")).toBeVisible();
        await editor.getByLabel("Nome casella", { exact: true }).fill(`${prefix}.5@testcert.legalmail.it`);
        await cf.fill("RSSMRA70A01H501X");
        await expect(cf).toHaveAttribute("aria-invalid", "true");
      }
      await cf.fill("RSSMRA70A01H501S");
      if (js) await expect(cf).not.toHaveAttribute("aria-invalid", "true");
      await editor.getByRole("button", { name: "Salva casella 5" }).click();
      await expect(page.getByRole("heading", { name: "60 caselle, 1 con errori" })).toBeVisible();
      await expect(table.locator("tbody tr")).toHaveCount(1);

      await page.getByRole("button", { name: "Rimuovi casella 40" }).click();
      await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (59)" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "59 caselle, nessuna con errori" })).toBeVisible();

      await page.getByRole("button", { name: "Continua" }).click();
      await expect(page).toHaveURL(/\/verifica$/);
      await page.getByRole("button", { name: "Conferma" }).click();
      await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
      await expect(page.getByRole("cell", { name: `${prefix}.60@testcert.legalmail.it` })).toBeVisible();
      await expect(page.getByRole("cell", { name: `${prefix}.40@altro-dominio.it` })).toHaveCount(0);
      if (js) log.check();
    });
  });
}

test("a file dropped on the zone is checked in the browser and sent", async ({ page }) => {
  await toStepTwo(page, true);
  const prefix = `drop${uniq()}`;
  const f = csvFile(prefix, 2);
  const drop = async (text: string) => {
    const dt = await page.evaluateHandle(
      ({ text, name }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], name, { type: "text/csv" }));
        return dt;
      },
      { text, name: f.name },
    );
    await page.locator("#importazione").dispatchEvent("drop", { dataTransfer: dt });
  };
  // Refused by the browser at once: nothing sent, nothing changed.
  await drop(HEADER + "\r\n");
  await expect(page.getByRole("alert").filter({ hasText: "contiene solo l'intestazione" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (1)" })).toBeVisible();
  await drop(f.buffer.toString("utf8"));
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (2)" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "2 caselle aggiunte" })).toBeVisible();
  await expect(block(page, 2).getByLabel("Nome casella", { exact: true })).toHaveValue(`${prefix}.2@testcert.legalmail.it`);
});
