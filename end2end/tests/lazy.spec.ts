import { expect, Page, test } from "@playwright/test";
import { bookOne, consoleErrors, hydrated, login } from "./helpers";

// Every page is a lazy route: its WASM chunk is fetched when the page is first shown. These tests
// check that each one hydrates after a hard load (the server's HTML, then the chunk) and renders
// after a client-side navigation (the chunk fetched on the way), without console errors.

/** Marks the window: the mark survives a client-side navigation, not a page load. */
async function markWindow(page: Page) {
  await page.evaluate(() => ((window as unknown as { pecMark: boolean }).pecMark = true));
}
async function expectSameWindow(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { pecMark?: boolean }).pecMark)).toBe(true);
}

/** Only the page's WASM can flag a wrong codice fiscale before anything is submitted. */
async function expectLiveCheck(page: Page) {
  const cf = page.locator("form#modifica").getByLabel("Codice fiscale", { exact: true });
  await cf.fill("RSSMRA70A01H501X");
  await expect(cf).toHaveAttribute("aria-invalid", "true");
}

async function heading(page: Page, text: string) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(text);
}

test("each page hydrates after a hard load and after a client-side navigation", async ({ page }) => {
  const log = consoleErrors(page);
  const chunks: string[] = [];
  page.on("request", (r) => {
    if (/\/pkg\/.*\.wasm$/.test(r.url())) chunks.push(r.url());
  });

  await page.goto("/accesso");
  await hydrated(page);
  await heading(page, "Accesso");
  await login(page, "admin");
  const { number } = await bookOne(page);
  const userid = (
    await page.getByRole("table", { name: "Dettaglio prodotto" }).locator("tbody tr td").nth(1).innerText()
  ).trim();
  const draft = new URL(page.url()).pathname.split("/")[2];

  // Hard loads: the server's HTML, then hydration, which waits for the page's chunk.
  const pages: [string, string][] = [
    ["/recenti", "Attività recenti"],
    ["/ricerca", "Ricerca"],
    ["/attiva", "Attiva identità/utenza"],
    ["/configurazione", "Configurazione"],
    ["/configurazione/operatori", "Operatori"],
    ["/configurazione/registro", "Registro attività"],
    ["/scadenze/caselle", "Gestione scadenze caselle"],
    ["/scadenze/prodotti", "Gestione scadenze prodotti"],
    ["/report", "Report"],
    ["/richiesta", "Attivazione casella"],
    [`/richiesta/${draft}/riepilogo`, "Riepilogo"],
    [`/ordini/${number}`, "Dettaglio ordine"],
    [`/caselle/${userid}`, "Dettaglio casella"],
  ];
  for (const [path, title] of pages) {
    await page.goto(path);
    await hydrated(page);
    await heading(page, title);
  }
  // A hydrated page answers to its own handlers: the edit form checks each keystroke.
  await page.goto(`/caselle/${userid}?modifica=1`);
  await hydrated(page);
  await expectLiveCheck(page);

  // Client-side navigations: the menu, then links inside pages, in one window.
  await page.goto("/recenti");
  await hydrated(page);
  await markWindow(page);
  const menu = page.getByRole("navigation", { name: "Menu principale" });
  for (const [link, title] of [
    ["Ricerca", "Ricerca"],
    ["Attiva identità/utenza", "Attiva identità/utenza"],
    ["Configurazione", "Configurazione"],
    ["Report", "Report"],
    ["Gestione scadenze prodotti", "Gestione scadenze prodotti"],
    ["Richiesta caselle e prodotti", "Attivazione casella"],
    ["Visualizza recenti", "Attività recenti"],
  ]) {
    await menu.getByRole("link", { name: link, exact: true }).click();
    await heading(page, title);
  }
  await page.getByRole("link", { name: number, exact: true }).first().click();
  await heading(page, "Dettaglio ordine");
  await page.getByRole("table", { name: "Caselle" }).getByRole("link", { name: userid }).click();
  await heading(page, "Dettaglio casella");
  await page.getByRole("link", { name: "Modifica dati" }).click();
  await expectLiveCheck(page);
  await expectSameWindow(page);

  // The pages came in more than one file: the split is real.
  expect(new Set(chunks).size).toBeGreaterThan(1);
  log.check();
});
