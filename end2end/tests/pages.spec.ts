import { expect, Page, test } from "@playwright/test";
import { bookOne, consoleErrors, hydrated, login } from "./helpers";

// Every page is rendered on the server; links are ordinary page loads, and only pages with islands
// load the bundle. Each page works after a hard load and after following a link to it, without
// console errors.

/** Only the page's WASM can flag a wrong codice fiscale before anything is submitted. */
async function expectLiveCheck(page: Page) {
  const cf = page.locator("form#modifica").getByLabel("Codice fiscale", { exact: true });
  await cf.fill("RSSMRA70A01H501X");
  await expect(cf).toHaveAttribute("aria-invalid", "true");
}

async function heading(page: Page, text: string) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(text);
}

test("each page works after a hard load and after following a menu link", async ({ page }) => {
  const log = consoleErrors(page);

  await page.goto("/accesso");
  await hydrated(page);
  await heading(page, "Accesso");
  await login(page, "admin");
  const { number } = await bookOne(page);
  const userid = (
    await page.getByRole("table", { name: "Dettaglio prodotto" }).locator("tbody tr td").nth(1).innerText()
  ).trim();
  const draft = new URL(page.url()).pathname.split("/")[2];

  // Hard loads: the server's HTML, then (on pages with islands) the bundle. A page without
  // islands has no script to load, or only public/enhance.js (print, the contract upload).
  const pages: [string, string, boolean | "enhance"][] = [
    ["/recenti", "Attività recenti", false],
    ["/ricerca", "Ricerca", false],
    ["/attiva", "Attiva identità/utenza", false],
    ["/configurazione", "Configurazione", false],
    ["/configurazione/operatori", "Operatori", false],
    ["/configurazione/registro", "Registro attività", false],
    ["/scadenze/caselle", "Gestione scadenze caselle", false],
    ["/scadenze/prodotti", "Gestione scadenze prodotti", false],
    ["/report", "Report", false],
    ["/richiesta", "Attivazione casella", true],
    [`/richiesta/${draft}/riepilogo`, "Riepilogo", "enhance"],
    [`/ordini/${number}`, "Dettaglio ordine", "enhance"],
    [`/caselle/${userid}`, "Dettaglio casella", false],
  ];
  for (const [path, title, islands] of pages) {
    await page.goto(path);
    await hydrated(page);
    await heading(page, title);
    await expect(page.locator('script[type="module"]'), path).toHaveCount(islands === true ? 1 : 0);
    await expect(page.locator('script[src="/enhance.js"]'), path).toHaveCount(islands === "enhance" ? 1 : 0);
  }
  // A hydrated page answers to its own handlers: the edit form checks each keystroke.
  await page.goto(`/caselle/${userid}?modifica=1`);
  await hydrated(page);
  await expectLiveCheck(page);

  // Following links: the menu, then links inside pages; each a page load.
  await page.goto("/recenti");
  await hydrated(page);
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
    await hydrated(page);
    await heading(page, title);
  }
  await page.getByRole("link", { name: number, exact: true }).first().click();
  await hydrated(page);
  await heading(page, "Dettaglio ordine");
  await page.getByRole("table", { name: "Caselle" }).getByRole("link", { name: userid }).click();
  await hydrated(page);
  await heading(page, "Dettaglio casella");
  await page.getByRole("link", { name: "Modifica dati" }).click();
  await hydrated(page);
  await expectLiveCheck(page);

  log.check();
});
