import { expect, Page, test } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";
import { bookOne, hydrated, linkFor, linksFor, login, signContract } from "./helpers";

test("contract download and signed upload fulfil the order; the holder sets the password once", async ({ page, browser }) => {
  await login(page);
  const { address, number } = await bookOne(page);
  await hydrated(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download Contratto" }).click(),
  ]);
  const pdf = fs.readFileSync(await download.path());
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");

  // A wrong file is refused and the order stays booked.
  await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "contratto.pdf", mimeType: "application/pdf", buffer: Buffer.from("non un pdf") });
  await expect(page.getByRole("alert")).toContainText("non è un PDF");
  await expect(page.getByRole("definition").filter({ hasText: /^PRENOTATO$/ })).toBeVisible();

  // The contract unsigned, or signed by someone who is not the legal representative: refused,
  // each with its reason, and the order stays booked.
  await hydrated(page);
  await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "contratto.pdf", mimeType: "application/pdf", buffer: pdf });
  await expect(page.getByRole("alert")).toContainText("Il file non contiene una firma digitale");
  await hydrated(page);
  await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "contratto.pdf.p7m", mimeType: "application/pkcs7-mime", buffer: signContract(pdf, "other") });
  await expect(page.getByRole("alert")).toContainText("Firmatario diverso dal legale rappresentante");
  await expect(page.getByRole("definition").filter({ hasText: /^PRENOTATO$/ })).toBeVisible();

  // Signed by the legal representative: EVASO, and the page says who signed.
  await hydrated(page);
  await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "contratto.pdf.p7m", mimeType: "application/pkcs7-mime", buffer: signContract(pdf) });
  await expect(page).toHaveURL(new RegExp(`/ordini/${number}\\?esito=evaso`));
  await expect(page.locator("dt:text-is('Firmato da') + dd")).toContainText("Mario Rossi (RCLMRA74D15F205V), firma verificata del");
  await expect(page.getByRole("status")).toContainText("EVASO");
  await expect(page.getByRole("definition").filter({ hasText: /^EVASO$/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Caselle" }).getByRole("cell", { name: "ATTIVA", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Scarica il contratto firmato" })).toBeVisible();

  // The operator sends the link again from the mailbox page: the first one stops working.
  const [first] = await linksFor(address);
  await page.getByRole("table", { name: "Caselle" }).getByRole("link").first().click();
  await page.getByRole("button", { name: "Invia di nuovo il collegamento per la password" }).click();
  await expect(page.getByRole("status")).toContainText("Nuovo collegamento per la password inviato");
  const link = (await linksFor(address, 2)).at(-1)!;
  expect(link).not.toBe(first);
  const holder = await (await browser.newContext()).newPage();
  await holder.goto(first);
  await expect(holder.getByRole("alert")).toContainText("non è valido");

  // The holder opens the e-mail's link, without an operator session.
  await holder.goto(link);
  await hydrated(holder);
  await expect(holder.getByRole("heading", { level: 1 })).toHaveText("Attiva identità/utenza");
  await expect(holder.getByText(address)).toBeVisible();
  await holder.getByLabel("Password", { exact: true }).fill("corta");
  await expect(holder.getByRole("list", { name: "Regole della password" }).locator("li.ok")).toHaveCount(1);
  await holder.getByLabel("Password", { exact: true }).fill("Segreta!2026");
  await expect(holder.getByRole("list", { name: "Regole della password" }).locator("li.ok")).toHaveCount(5);
  await holder.getByLabel("Conferma password").fill("Segreta!2027");
  await holder.getByRole("button", { name: "Imposta password" }).click();
  await expect(holder.getByText("Le due password non coincidono")).toBeVisible();
  await holder.getByLabel("Conferma password").fill("Segreta!2026");
  await holder.getByRole("button", { name: "Imposta password" }).click();
  await expect(holder.getByRole("status")).toContainText("Password impostata");
  await holder.goto(link);
  await expect(holder.getByRole("alert")).toContainText("non è valido");

  // Back on the mailbox page (still open): "↻ Aggiorna" shows the holder's change.
  await page.getByRole("link", { name: "Aggiorna" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dettaglio casella");
  await expect(page.getByText("impostata dal titolare")).toBeVisible();
  // This server has no mail platform: the page says so (the queue keeps the work for one).
  await expect(page.getByRole("term").filter({ hasText: /^Piattaforma di posta$/ })).toBeVisible();
  await expect(page.getByRole("definition").filter({ hasText: /^non configurata/ })).toBeVisible();

  // Editing with the wizard's rules, checked on every keystroke.
  await page.getByRole("link", { name: "Modifica dati" }).click();
  await hydrated(page);
  const edit = page.locator("form#modifica");
  const cf = edit.getByLabel("Codice fiscale", { exact: true });
  await cf.fill("RSSMRA70A01H501X");
  await expect(cf).toHaveAttribute("aria-invalid", "true");
  await cf.fill("QSWTFG44D62R632Z");
  await expect(cf).not.toHaveAttribute("aria-invalid", "true");
  await edit.getByLabel("Nome", { exact: true }).fill("Gina");
  await page.getByRole("button", { name: "Salva modifiche" }).click();
  await expect(page.getByRole("status")).toContainText("Dati della casella salvati");
  await expect(page.getByRole("definition").filter({ hasText: /^QSWTFG44D62R632Z$/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Storia servizi" })).toContainText("CASELLA_MODIFICATA");

  // Revocation with a reason: only allowed transitions are offered; it shows in the history.
  await expect(page.getByLabel("riattivazione")).toHaveCount(0);
  await page.getByLabel("revoca anticipata su richiesta del cliente").check();
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page.getByRole("status")).toContainText("Stato della casella cambiato");
  await expect(page.getByRole("definition").filter({ hasText: /^REVOCATA$/ })).toBeVisible();
  // A revoked mailbox's mail is removed after the retention period: the day is on the page.
  await expect(
    page.getByRole("definition").filter({ hasText: /^non configurata.*posta da cancellare il \d\d\/\d\d\/\d{4}$/ }),
  ).toBeVisible();
  await expect(page.getByText("Nessuna transizione disponibile per una casella REVOCATA.")).toBeVisible();
  await expect(page.getByRole("table", { name: "Storia servizi" })).toContainText("CAMBIO_STATO");
  await expect(page.getByRole("table", { name: "Storia servizi" })).toContainText("richiesta del cliente");
  await page.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: "Visualizza recenti" }).click();
  await expect(page.getByRole("region", { name: "Ultime operazioni" })).toContainText("ATTIVA → REVOCATA");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a signed .p7m fulfils the order and the holder sets the password", async ({ page, browser }) => {
    await login(page);
    // The order is made with JavaScript (a separate page), the rest without.
    const js = await (await browser.newContext({ storageState: await page.context().storageState(), javaScriptEnabled: true })).newPage();
    const { address, number } = await bookOne(js);
    await page.goto(`/ordini/${number}`);
    const contract = await page.request.get(`/ordini/${number}/contratto.pdf`);
    expect((await contract.body()).subarray(0, 5).toString()).toBe("%PDF-");
    await expect(page.getByRole("link", { name: "Download Contratto" })).toHaveAttribute("href", `/ordini/${number}/contratto.pdf`);
    const p7m = signContract(await contract.body());
    await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "contratto.pdf.p7m", mimeType: "application/pkcs7-mime", buffer: p7m });
    await page.getByRole("button", { name: "Invia contratto firmato" }).click();
    await expect(page.getByRole("definition").filter({ hasText: /^EVASO$/ })).toBeVisible();
    await expect(page.locator("dt:text-is('Firmato da') + dd")).toContainText("Mario Rossi");

    const link = await linkFor(address);
    const holder = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await holder.goto(link);
    await holder.getByLabel("Password", { exact: true }).fill("debole");
    await holder.getByLabel("Conferma password").fill("debole");
    await holder.getByRole("button", { name: "Imposta password" }).click();
    await expect(holder.getByRole("alert")).toContainText("non rispetta le regole");
    await holder.getByLabel("Password", { exact: true }).fill("Segreta!2026");
    await holder.getByLabel("Conferma password").fill("Segreta!2026");
    await holder.getByRole("button", { name: "Imposta password" }).click();
    await expect(holder.getByRole("status")).toContainText("Password impostata");

    // Editing without JavaScript: refused values come back with the reason, then saved.
    await page.goto(`/ordini/${number}`);
    await page.getByRole("table", { name: "Caselle" }).getByRole("link").first().click();
    await page.getByRole("link", { name: "Modifica dati" }).click();
    const edit = page.locator("form#modifica");
    await edit.getByLabel("Codice fiscale", { exact: true }).fill("RSSMRA70A01H501X");
    await edit.getByLabel("Cognome", { exact: true }).fill("Da tenere");
    await page.getByRole("button", { name: "Salva modifiche" }).click();
    await expect(page.getByRole("alert")).toContainText("Correggere i dati indicati");
    // What was typed comes back from the server, not through the URL (browser history).
    expect(page.url()).not.toContain("RSSMRA70A01H501X");
    expect(page.url()).not.toContain("Da%20tenere");
    await expect(edit.getByLabel("Codice fiscale", { exact: true })).toHaveValue("RSSMRA70A01H501X");
    await expect(edit.getByLabel("Cognome", { exact: true })).toHaveValue("Da tenere");
    await expect(edit.getByLabel("Codice fiscale", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await edit.getByLabel("Codice fiscale", { exact: true }).fill("QSWTFG44D62R632Z");
    await page.getByRole("button", { name: "Salva modifiche" }).click();
    await expect(page.getByRole("status")).toContainText("Dati della casella salvati");
    await expect(page.getByRole("definition").filter({ hasText: /^Da tenere$/ })).toBeVisible();

    // Revocation without JavaScript: the same form posts.
    await page.getByLabel("revoca immediata (esempio a causa di mancato pagamento)").check();
    await page.getByRole("button", { name: "Conferma" }).click();
    await expect(page.getByRole("definition").filter({ hasText: /^REVOCATA$/ })).toBeVisible();
    await expect(page.getByRole("table", { name: "Storia servizi" })).toContainText("revoca immediata");
  });
});
