import { expect, test } from "@playwright/test";
import { block, fillMailbox, fillRequest, login, uniq } from "./helpers";

test.use({ javaScriptEnabled: false });

test.beforeEach(async ({ page }) => {
  await login(page);
});

test("the whole flow works without JavaScript, keeping what was typed", async ({ page }) => {
  const u = uniq();
  await page.goto("/richiesta");
  // Nothing filled: the server answers with the errors and nothing is lost.
  await page.getByLabel("Denominazione").fill("Collaudo");
  await page.getByLabel("Legale rappresentante").fill("RSSMRA70A01H5015");
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/richiesta\/[0-9a-f]+$/);
  await expect(page.getByLabel("Denominazione")).toHaveValue("Collaudo");
  await expect(page.getByLabel("Legale rappresentante")).toHaveValue("RSSMRA70A01H5015");
  await expect(page.getByLabel("Legale rappresentante")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Tipo cliente")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Campo obbligatorio").first()).toBeVisible();

  await fillRequest(page);
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/caselle$/);

  // An invalid address and a missing password e-mail, then Continua: errors on the fields.
  await block(page, 1).getByLabel("Nome casella", { exact: true }).fill("mario rossi@legalmail.it");
  await block(page, 1).getByLabel("Descrizione", { exact: true }).fill("Testo da non perdere");
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/caselle(#errori)?$/);
  await expect(block(page, 1)).toContainText("Carattere non ammesso: spazio");
  await expect(block(page, 1)).toContainText("Campo obbligatorio");
  await expect(block(page, 1).getByLabel("Descrizione", { exact: true })).toHaveValue("Testo da non perdere");

  // "Aggiungi casella" adds a block; the X clears a field; "Rimuovi" removes a block.
  await fillMailbox(page, 1, { address: `nojs_uno_${u}@legalmail.it`, passwordEmail: "pwd@example.it", description: "Uno" });
  await page.getByRole("button", { name: "Aggiungi casella" }).click();
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (2)" })).toBeVisible();
  await expect(block(page, 1).getByLabel("Nome casella", { exact: true })).toHaveValue(`nojs_uno_${u}@legalmail.it`);
  await fillMailbox(page, 2, { address: `nojs_due_${u}@legalmail.it`, passwordEmail: "pwd@example.it", nickname: "da.cancellare" });
  await block(page, 2).getByRole("button", { name: "Cancella Nickname" }).click();
  await expect(block(page, 2).getByLabel("Nickname", { exact: true })).toHaveValue("");
  await expect(block(page, 2).getByLabel("Nome casella", { exact: true })).toHaveValue(`nojs_due_${u}@legalmail.it`);
  await page.getByRole("button", { name: "Aggiungi casella" }).click();
  await page.getByRole("button", { name: "Rimuovi casella 3" }).click();
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (2)" })).toBeVisible();

  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/verifica$/);
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page).toHaveURL(/\/riepilogo$/);
  await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
  const rows = page.getByRole("table", { name: "Dettaglio prodotto" }).locator("tbody tr");
  await expect(rows).toHaveCount(2);
  const number = (await page.locator(".order-number").innerText()).trim();
  await expect(rows.nth(1).locator("td").nth(3)).toHaveText(`${number}-002`);
  // Without JavaScript there is no dead "Stampa pagina" button.
  await expect(page.getByRole("button", { name: "Stampa pagina" })).toBeHidden();

  await page.goto("/recenti");
  await page.getByRole("link", { name: number, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dettaglio ordine");
  await expect(page.getByRole("table", { name: "Caselle" }).getByRole("row")).toHaveCount(3);
});

test("an address taken meanwhile sends the user back to the field that says so", async ({ page, browser }) => {
  const u = uniq();
  const contested = `contesa_${u}@legalmail.it`;
  // Two requests for the same address reach the review; the first is confirmed.
  const reach = async (p: typeof page) => {
    await p.goto("/richiesta");
    await fillRequest(p);
    await p.getByRole("button", { name: "Continua" }).click();
    await fillMailbox(p, 1, { address: contested, passwordEmail: "pwd@example.it" });
    await p.getByRole("button", { name: "Continua" }).click();
    await expect(p).toHaveURL(/\/verifica$/);
  };
  const other = await browser.newPage({ javaScriptEnabled: false } as never);
  await login(other);
  await reach(page);
  await reach(other);
  await other.getByRole("button", { name: "Conferma" }).click();
  await expect(other).toHaveURL(/\/riepilogo$/);
  await other.close();

  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page).toHaveURL(/\/caselle#errori$/);
  await expect(page.getByRole("alert")).toContainText(contested);
  await expect(block(page, 1)).toContainText("Casella già esistente");
  await expect(block(page, 1).getByLabel("Nome casella", { exact: true })).toHaveValue(contested);
});

test("every page renders on the server with one h1, and unknown pages say so", async ({ page }) => {
  for (const [url, h1] of [["/", "Gestione caselle PEC"], ["/richiesta", "Attivazione casella"], ["/recenti", "Attività recenti"]]) {
    await page.goto(url);
    await expect(page.locator("html")).toHaveAttribute("lang", "it");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(h1);
    const links = page.getByRole("navigation", { name: "Menu principale" }).getByRole("link");
    await expect(links).toHaveText([
      "Richiesta caselle e prodotti", "Attiva identità/utenza", "Ricerca", "Visualizza recenti", "Gestione domini",
      "Gestione scadenze caselle", "Gestione scadenze prodotti", "Report", "Configurazione", "Offerte",
    ]);
  }
  const res = await page.goto("/ordini/00000000");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText("non trovato");
  const res2 = await page.goto("/non-esiste");
  expect(res2?.status()).toBe(404);
});

test("a form post that fails on the server is explained on the page it came from", async ({ page }) => {
  await page.goto("/richiesta");
  // A review form whose request no longer exists (e.g. an old tab), posted from this page.
  await page.setContent(
    '<form method="post" action="' + new URL("/api/richiesta/conferma", page.url()).href +
      '"><input name="draft" value="0000"><input name="azione" value="conferma"><button>invia</button></form>',
  );
  await page.getByRole("button", { name: "invia" }).click();
  await expect(page.getByRole("alert")).toContainText("Richiesta non trovata");
});

test("the home page says who is logged in and logs out without JavaScript", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("banner")).toContainText("Operatore");
  await page.getByRole("banner").getByRole("button", { name: "Esci" }).click();
  await expect(page).toHaveURL(/\/accesso$/);
  await page.goto("/recenti");
  await expect(page).toHaveURL(/\/accesso\?next=/);
});
