import { expect, test } from "@playwright/test";
import * as fs from "fs";
import { bookOne, hydrated, login } from "./helpers";

// Issue 27: "caricare eventuale documentazione", on the summary and on Dettaglio ordine.
const pdf = Buffer.from("%PDF-1.7\n% documento di prova\n%%EOF\n");

test("documents are uploaded on the summary, listed, downloaded and removed on the order's page", async ({ page }) => {
  await login(page);
  const { number } = await bookOne(page);
  await hydrated(page);
  const table = page.getByRole("table", { name: "Documenti" });

  await page.getByLabel("Tipo documento").selectOption({ label: "Documento d'identità del legale rappresentante" });
  await page.getByLabel("Carica documentazione").setInputFiles({ name: "identita.pdf", mimeType: "application/pdf", buffer: pdf });
  await page.getByRole("button", { name: "Carica", exact: true }).click();
  await expect(page).toHaveURL(/\/riepilogo\?documento=caricato/);
  await expect(page.getByRole("status").filter({ hasText: "Documento caricato." })).toBeVisible();
  await expect(table.getByRole("link", { name: "identita.pdf" })).toBeVisible();
  await expect(table.getByRole("columnheader", { name: "Caricato da" })).toBeVisible();

  // An HTML page named .pdf is no document: refused, naming the file and the reason.
  await hydrated(page);
  await page.getByLabel("Tipo documento").selectOption("ALTRO");
  await page.getByLabel("Carica documentazione").setInputFiles({
    name: "pagina.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("<html><script>alert(1)</script>%PDF-1.4</html>"),
  });
  await page.getByRole("button", { name: "Carica", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("Documento «pagina.pdf» non caricato: non è un PDF");
  await expect(table.getByRole("row")).toHaveCount(2);

  await page.goto(`/ordini/${number}`);
  await hydrated(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    table.getByRole("link", { name: "identita.pdf" }).click(),
  ]);
  expect(fs.readFileSync(await download.path()).equals(pdf)).toBe(true);
  await page.getByRole("button", { name: "Rimuovi identita.pdf" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Documento rimosso." })).toBeVisible();
  await expect(page.getByText("Nessun documento caricato.")).toBeVisible();
});

test("without JavaScript a document is uploaded and removed on the order's page", async ({ page, browser }) => {
  await login(page);
  const { number } = await bookOne(page);
  const context = await browser.newContext({ storageState: await page.context().storageState(), javaScriptEnabled: false });
  const nojs = await context.newPage();
  await nojs.goto(`/ordini/${number}`);
  await nojs.getByLabel("Tipo documento").selectOption("VISURA");
  await nojs.getByLabel("Carica documentazione").setInputFiles({ name: "visura.png", mimeType: "image/png", buffer: Buffer.from("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "latin1") });
  await nojs.getByRole("button", { name: "Carica", exact: true }).click();
  await expect(nojs).toHaveURL(new RegExp(`/ordini/${number}\\?documento=caricato`));
  const table = nojs.getByRole("table", { name: "Documenti" });
  await expect(table.getByRole("row").filter({ hasText: "Visura camerale" })).toContainText("visura.png");
  await nojs.getByRole("button", { name: "Rimuovi visura.png" }).click();
  await expect(nojs.getByRole("status").filter({ hasText: "Documento rimosso." })).toBeVisible();
  await context.close();
});
