import { expect, test } from "@playwright/test";
import { block, consoleErrors, fillMailbox, fillRequest, hydrated, login, orderUpToReview, uniq } from "./helpers";

test.beforeEach(async ({ page }) => {
  await login(page);
});

test("the seed's scenario: two mailboxes, summary, recent activity, order and mailbox detail", async ({ page }) => {
  const log = consoleErrors(page);
  const u = uniq();
  const first = `nuova_casella_pec_${u}@testcert.legalmail.it`;
  const second = `altra_nuova_casella_pec_${u}@testcert.legalmail.it`;

  await page.goto("/");
  await page.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: "Richiesta caselle e prodotti" }).click();
  await expect(page).toHaveURL(/\/richiesta$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Attivazione casella");
  await hydrated(page);
  await expect(page.locator('ol li[aria-current="step"]')).toHaveText("Richiesta");
  await fillRequest(page);
  await page.getByRole("button", { name: "Continua" }).click();

  await expect(page).toHaveURL(/\/caselle$/);
  await hydrated(page);
  await expect(page.locator('ol li[aria-current="step"]')).toHaveText("Casella PEC");
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (1)" })).toBeVisible();
  await expect(block(page, 1).getByText("OBBLIGATORIO")).toHaveCount(2);
  await fillMailbox(page, 1, {
    address: first, description: "Descrizione nuova casella", passwordEmail: "mail_gestione_password@infocert.it",
    firstName: "Nome", lastName: "Cognome", taxCode: "CGNNMO80A01H501M", nickname: `nickname.utente.${u}`,
  });
  await page.getByRole("button", { name: "Aggiungi casella" }).click();
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (2)" })).toBeVisible();
  await expect(block(page, 2).getByLabel("Nome casella", { exact: true })).toBeFocused();
  await fillMailbox(page, 2, {
    address: second, description: "Descrizione altra_nuova casella", passwordEmail: "mail_gestione_password@infocert.it",
    firstName: "Nome", lastName: "Cognome", taxCode: "CGNNMO80A01H501M", nickname: `altro.nickname.utente.${u}`,
  });
  await page.getByRole("button", { name: "Continua" }).click();

  await expect(page).toHaveURL(/\/verifica$/);
  await hydrated(page);
  await expect(page.getByRole("cell", { name: first, exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: second, exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Conferma" }).click();

  await expect(page).toHaveURL(/\/riepilogo$/);
  await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
  await expect(page.locator('ol li[aria-current="step"]')).toHaveText("Riepilogo");
  const number = (await page.locator(".order-number").innerText()).trim();
  expect(number).toMatch(/^\d{8}$/);
  const table = page.getByRole("table", { name: "Dettaglio prodotto" });
  for (const h of ["Nome casella", "Userid", "Mail dove l'utente riceverà il link per la creazione della password", "Numero riferimento"]) {
    await expect(table.getByRole("columnheader", { name: h, exact: true })).toBeVisible();
  }
  const rows = table.locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).locator("td").nth(0)).toHaveText(first);
  await expect(rows.nth(0).locator("td").nth(3)).toHaveText(`${number}-001`);
  await expect(rows.nth(1).locator("td").nth(3)).toHaveText(`${number}-002`);
  const userid1 = (await rows.nth(0).locator("td").nth(1).innerText()).trim();
  const userid2 = (await rows.nth(1).locator("td").nth(1).innerText()).trim();
  expect(userid1).toMatch(/^[A-Z]{3}\d{5}$/);
  expect(userid2).toMatch(/^[A-Z]{3}\d{5}$/);
  expect(userid1).not.toEqual(userid2);
  await hydrated(page);
  await expect(page.getByRole("button", { name: "Stampa pagina" })).toBeVisible();
  // The printed page is the summary alone: no menu, no buttons.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("navigation", { name: "Menu principale" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Stampa pagina" })).toBeHidden();
  await expect(table).toBeVisible();
  await page.emulateMedia({ media: "screen" });

  await page.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: "Visualizza recenti" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Attività recenti");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: number, exact: true }) });
  await expect(row).toContainText("Collaudo");
  await expect(row).toContainText("PRENOTATO");
  await row.getByRole("link", { name: number, exact: true }).click();

  await expect(page).toHaveURL(new RegExp(`/ordini/${number}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dettaglio ordine");
  const caselle = page.getByRole("table", { name: "Caselle" });
  await expect(caselle.getByRole("link", { name: userid1 })).toBeVisible();
  await caselle.getByRole("link", { name: userid2 }).click();
  await expect(page).toHaveURL(new RegExp(`/caselle/${userid2}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dettaglio casella");
  await expect(page.getByText(second)).toBeVisible();
  await hydrated(page);
  log.check();
});

test("errors appear on every keystroke, with no network", async ({ page, context }) => {
  const log = consoleErrors(page);
  await orderUpToReview(page, [{ address: `tastiera_${uniq()}@legalmail.it`, passwordEmail: "a@b.it" }]);
  await page.getByRole("button", { name: "Indietro" }).click();
  await expect(page).toHaveURL(/\/caselle$/);
  await hydrated(page);
  await context.setOffline(true);

  const address = block(page, 1).getByLabel("Nome casella", { exact: true });
  await address.fill("");
  await address.pressSequentially("mario rossi");
  await expect(address).toHaveAttribute("aria-invalid", "true");
  const described = await address.getAttribute("aria-describedby");
  expect(described).toBeTruthy();
  await expect(page.locator(`#${described!.split(" ")[0]}`)).toHaveText("Carattere non ammesso: spazio");

  const cf = block(page, 1).getByLabel("Codice fiscale", { exact: true });
  await cf.pressSequentially("CGNNM080A01H501M");
  await expect(cf).toHaveAttribute("aria-invalid", "true");
  await expect(block(page, 1)).toContainText("Codice fiscale non valido");
  await cf.fill("");
  await cf.pressSequentially("CGNNMO80A01H501M");
  await expect(cf).not.toHaveAttribute("aria-invalid", "true");

  // The X clears a field; "Continua" is refused and focuses the first invalid field.
  await block(page, 1).getByRole("button", { name: "Cancella Email gestione password" }).click();
  await expect(block(page, 1).getByLabel("Email gestione password", { exact: true })).toHaveValue("");
  await expect(block(page, 1)).toContainText("Campo obbligatorio");
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/caselle$/);
  await expect(address).toBeFocused();

  // A block can be removed.
  await page.getByRole("button", { name: "Aggiungi casella" }).click();
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (2)" })).toBeVisible();
  await page.getByRole("button", { name: "Rimuovi casella 2" }).click();
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (1)" })).toBeVisible();
  await context.setOffline(false);
  log.check();
});

test("duplicates inside the request and against existing mailboxes", async ({ page }) => {
  const log = consoleErrors(page);
  const u = uniq();
  const existing = `esistente_${u}@legalmail.it`;
  await orderUpToReview(page, [{ address: existing, passwordEmail: "pwd@example.it", nickname: `nick.${u}` }]);
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page).toHaveURL(/\/riepilogo$/);

  await page.goto("/richiesta");
  await hydrated(page);
  await fillRequest(page);
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/caselle$/);
  await hydrated(page);
  await fillMailbox(page, 1, { address: `dup_${u}@legalmail.it`, passwordEmail: "pwd@example.it" });
  await page.getByRole("button", { name: "Aggiungi casella" }).click();
  await fillMailbox(page, 2, { address: `DUP_${u}@legalmail.it`, passwordEmail: "pwd@example.it" });
  await expect(block(page, 2)).toContainText("Casella duplicata nella richiesta (riga 1)");

  // Against the platform: the debounced check marks the field.
  await page.getByRole("button", { name: "Aggiungi casella" }).click();
  await fillMailbox(page, 3, { address: existing.toUpperCase(), passwordEmail: "pwd@example.it", nickname: `NICK.${u}` });
  await expect(block(page, 3)).toContainText("Casella già esistente");
  await expect(block(page, 3)).toContainText("Nickname già in uso");
  await expect(block(page, 3).getByLabel("Nome casella", { exact: true })).toHaveAttribute("aria-invalid", "true");
  log.check();
});

test("a double click on Conferma creates one order", async ({ page }) => {
  const log = consoleErrors(page);
  const address = `doppio_${uniq()}@legalmail.it`;
  await orderUpToReview(page, [{ address, passwordEmail: "pwd@example.it" }]);
  await page.getByRole("button", { name: "Conferma" }).dblclick();
  await expect(page).toHaveURL(/\/riepilogo$/);
  const number = (await page.locator(".order-number").innerText()).trim();
  // Back to the review and confirm again: still the same order.
  await page.goBack();
  await page.reload();
  await expect(page.getByText("Questa richiesta è già stata confermata")).toBeVisible();
  await page.goto("/recenti");
  const rowsWithAddress = await page.request.get(`/ordini/${number}`).then((r) => r.text());
  expect(rowsWithAddress).toContain(address);
  await expect(page.getByRole("link", { name: number, exact: true })).toHaveCount(1);
  log.check();
});

test("no console errors on any page, and the menu marks the current section", async ({ page }) => {
  const log = consoleErrors(page);
  const address = `pagine_${uniq()}@legalmail.it`;
  await orderUpToReview(page, [{ address, passwordEmail: "pwd@example.it" }]);
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page).toHaveURL(/\/riepilogo$/);
  await hydrated(page);
  const number = (await page.locator(".order-number").innerText()).trim();
  const userid = (await page.getByRole("table", { name: "Dettaglio prodotto" }).locator("tbody tr td").nth(1).innerText()).trim();
  for (const url of ["/", "/richiesta", "/recenti", "/recenti?pagina=2", `/ordini/${number}`, `/caselle/${userid}`]) {
    await page.goto(url);
    await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveCount(1);
  }
  await page.goto("/recenti");
  await expect(
    page.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: "Visualizza recenti" }),
  ).toHaveAttribute("aria-current", "page");
  log.check();
});

test("the CSV template downloads as Excel in Italian opens it", async ({ page }) => {
  await orderUpToReview(page, [{ address: `modello_${uniq()}@legalmail.it`, passwordEmail: "pwd@example.it" }]);
  await page.getByRole("button", { name: "Indietro" }).click();
  await hydrated(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Scarica un esempio" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("modello-caselle.csv");
  const bytes = require("fs").readFileSync(await download.path()) as Buffer;
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString("utf8");
  expect(text).toBe(
    "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n" +
      "mario.rossi@legalmail.it;PEC Mario Rossi;mail-pwd@mail.com;Mario;Rossi;RSSMRA70A01H501S;mario.rossi\r\n",
  );
  // Uploaded back as it is: only the example row, so nothing is added, and the page says why.
  // With JavaScript, choosing the file sends it.
  await page.getByLabel("Carica file CSV").setInputFiles(await download.path());
  await expect(page.getByRole("status").filter({ hasText: "nessuna casella aggiunta" })).toBeVisible();
  await expect(page.getByText("La riga 2 è la riga di esempio del modello ed è stata ignorata.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (1)" })).toBeVisible();
});

test("step 1 refuses Continua while a field is invalid and focuses it", async ({ page }) => {
  await page.goto("/richiesta");
  await hydrated(page);
  await page.getByLabel("Legale rappresentante").fill("RSSMRA70A01H5015");
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/richiesta$/);
  await expect(page.getByLabel("Denominazione")).toBeFocused();
  await expect(page.getByLabel("Denominazione")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Legale rappresentante")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Campo obbligatorio").first()).toBeVisible();
});
