import AxeBuilder from "@axe-core/playwright";
import { expect, Page, test } from "@playwright/test";
import { fillRequest, hydrated, linkFor, login, PASSWORD, signAndUpload, toMailboxStep, uniq } from "./helpers";

/** WCAG 2.1 levels A and AA, as AgID asks of the public administration's suppliers. */
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** axe-core on the page as it is now: no violation of WCAG 2.1 AA. */
async function expectAccessible(page: Page, what: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  const found = violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join("\n    ")}`,
  );
  expect(found, `${what}:\n${found.join("\n")}`).toEqual([]);
}

/** WCAG 1.4.10: nothing scrolls sideways at 320 CSS px (a table may, inside its own box). */
async function expectReflow(page: Page, what: string) {
  const wide = await page.evaluate(() => {
    const root = document.documentElement;
    const over = root.scrollWidth - root.clientWidth;
    if (over <= 0) return null;
    // The widest culprits, to say what to fix.
    const culprits = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
      .filter((e) => !e.closest(".table-wrap"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} right=${Math.round(e.getBoundingClientRect().right)}`);
    return `${root.scrollWidth}px wide: ${culprits.join(", ")}`;
  });
  expect(wide, `${what} scrolls sideways at 320 px`).toBeNull();
}

/** The pages of a logged-in provider administrator, back office included. */
const PAGES: [string, string][] = [
  ["/recenti", "Attività recenti"],
  ["/richiesta", "Attivazione casella"],
  ["/ricerca", "Ricerca"],
  ["/domini", "Gestione domini"],
  ["/scadenze/caselle", "Gestione scadenze caselle"],
  ["/scadenze/prodotti", "Gestione scadenze prodotti"],
  ["/report", "Report"],
  ["/configurazione", "Configurazione"],
  ["/configurazione/operatori", "Operatori"],
  ["/configurazione/organizzazioni", "Organizzazioni"],
  ["/configurazione/clienti", "Clienti"],
  ["/configurazione/impostazioni", "Impostazioni"],
  ["/configurazione/chiavi-api", "Chiavi API"],
  ["/configurazione/registro", "Registro attività"],
  ["/offerte", "Offerte"],
  ["/profilo", "Il mio profilo"],
  ["/non-esiste", "Pagina non trovata"],
];

/** Every page and state worth a look: visits each, then `check`s it. */
async function everyPage(page: Page, check: (what: string) => Promise<void>) {
  // Login, empty and refused.
  await page.goto("/accesso");
  await check("accesso");
  await page.getByLabel("Nome utente").fill("admin");
  await page.getByLabel("Password").fill("sbagliata");
  await page.getByRole("button", { name: "Accedi" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await check("accesso, password sbagliata");
  // Activation: a link that does not work.
  await page.goto("/attiva?token=0000");
  await check("attiva, collegamento non valido");

  await login(page, "admin");
  for (const [url, h1] of PAGES) {
    await page.goto(url);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(h1);
    await hydrated(page);
    await check(url);
  }
  // Ricerca with results.
  await page.goto("/ricerca?q=a");
  await hydrated(page);
  await check("ricerca con risultati");

  // The wizard, each step with and without errors.
  await page.goto("/richiesta");
  await hydrated(page);
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page.getByText("Campo obbligatorio").first()).toBeVisible();
  await check("passo 1 con errori");
  await fillRequest(page);
  await check("passo 1 compilato");
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/caselle$/);
  await hydrated(page);
  await check("passo 2");
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page.getByText("Campo obbligatorio").first()).toBeVisible();
  await check("passo 2 con errori");
  const address = `a11y_${uniq()}@legalmail.it`;
  const box = page.getByRole("group", { name: "Casella 1", exact: true });
  await box.getByLabel("Nome casella", { exact: true }).fill(address);
  await box.getByLabel("Email gestione password", { exact: true }).fill("titolare@example.it");
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/verifica$/);
  await hydrated(page);
  await check("riepilogo");
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
  await hydrated(page);
  await check("passo 3");

  // Contract signed: order and mailbox details, then the holder's activation page.
  const number = (await page.locator("dd.order-number").textContent())!.trim();
  await signAndUpload(page);
  await page.goto(`/ordini/${number}`);
  await hydrated(page);
  await check("dettaglio ordine");
  await page.getByRole("table", { name: "Caselle" }).getByRole("link").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dettaglio casella");
  await hydrated(page);
  await check("dettaglio casella");
  const link = await linkFor(address);
  await page.context().clearCookies();
  await page.goto(link);
  await hydrated(page);
  await check("attiva");
  await page.getByLabel("Password", { exact: true }).fill("corta");
  await page.getByRole("button", { name: "Imposta password" }).click();
  await check("attiva con errori");
}

test("every page and wizard step passes axe-core's WCAG 2.1 AA rules", async ({ page }) => {
  test.setTimeout(240_000);
  await everyPage(page, (what) => expectAccessible(page, what));
});

test("every page reflows at 320 CSS px (200% zoom of 640 px) without sideways scrolling", async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await everyPage(page, (what) => expectReflow(page, what));
  await context.close();
});

/** The element that has the focus: its tag, accessible label and whether its focus shows. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    if (!e || e === document.body) return { name: "", tag: "body", visible: false };
    const label =
      e.getAttribute("aria-label") ??
      (e.id ? document.querySelector(`label[for="${e.id}"]`)?.textContent : null) ??
      e.closest("label")?.textContent ??
      e.textContent ??
      "";
    const s = getComputedStyle(e);
    const visible = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
    return { name: label.replace(/\s+/g, " ").trim(), tag: e.tagName.toLowerCase(), visible };
  });
}

/** Presses Tab (or Shift+Tab) until the focus is on `name`; every stop shows its focus. */
async function tabTo(page: Page, name: string | RegExp, back = false) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const f = await focused(page);
    if (f.tag !== "body") expect(f.visible, `focus not visible on ${f.tag} «${f.name}»`).toBe(true);
    if (typeof name === "string" ? f.name.startsWith(name) : name.test(f.name)) return;
  }
  throw new Error(`${name} not reached with ${back ? "Shift+Tab" : "Tab"}`);
}

test("keyboard only: every menu entry, and the whole wizard, with Tab, Shift+Tab, Enter and Space", async ({ page }) => {
  test.setTimeout(180_000);
  // Login.
  await page.goto("/accesso");
  await hydrated(page);
  await tabTo(page, "Nome utente");
  await page.keyboard.type("operatore");
  await tabTo(page, "Password");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page).not.toHaveURL(/\/accesso/);

  // Every menu entry, in the menu's order, reached and followed from the keyboard.
  const entries = [
    "Richiesta caselle e prodotti",
    "Attiva identità/utenza",
    "Ricerca",
    "Visualizza recenti",
    "Gestione domini",
    "Gestione scadenze caselle",
    "Gestione scadenze prodotti",
    "Report",
    "Configurazione",
    "Offerte",
  ];
  for (const entry of entries) {
    await page.goto("/recenti");
    await hydrated(page);
    await tabTo(page, entry);
    const href = await page.evaluate(() => (document.activeElement as HTMLAnchorElement).getAttribute("href"));
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(new RegExp(`${href!.replace(/[?]/g, "\\?")}$`));
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }

  // The wizard. A refused Continua moves the focus to the first field in error.
  await page.goto("/richiesta");
  await hydrated(page);
  await tabTo(page, "Continua");
  await page.keyboard.press("Enter");
  await expect(page.getByText("Campo obbligatorio").first()).toBeVisible();
  await expect(page.locator(":focus")).toHaveAttribute("aria-invalid", "true");
  expect((await focused(page)).name).toContain("Denominazione");
  await page.keyboard.type("Collaudo tastiera");
  await tabTo(page, "Tipo cliente");
  await page.keyboard.type("P.A. Centrale");
  await tabTo(page, "Legale rappresentante");
  await page.keyboard.type("RCLMRA74D15F205V");
  await tabTo(page, "Tipologia casella");
  await page.keyboard.type("Casella Strutturata");
  await tabTo(page, "Consenso trattamenti");
  await page.keyboard.press("Space");
  await expect(page.getByLabel("Consenso trattamenti")).toBeChecked();
  // Back to a field with Shift+Tab, then forward to Continua.
  await tabTo(page, "Legale rappresentante", true);
  await tabTo(page, "Continua");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/caselle$/);
  await hydrated(page);
  await tabTo(page, "Nome casella");
  await page.keyboard.type(`tastiera_${uniq()}@legalmail.it`);
  await tabTo(page, "Email gestione password");
  await page.keyboard.type("titolare@example.it");
  await tabTo(page, "Continua");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/verifica$/);
  await hydrated(page);
  await tabTo(page, "Conferma");
  await page.keyboard.press("Space");
  await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
});

test("a CSV file's result is announced (aria-live)", async ({ page }) => {
  await login(page);
  await toMailboxStep(page);
  const csv = "Email gestione password,Nome casella\nuno@example.it,csv_a11y_" + uniq() + "@legalmail.it\n";
  await page.getByLabel("Carica file CSV").setInputFiles({ name: "caselle.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  const live = page.locator("[aria-live='polite'], [role='status']").filter({ hasText: /riga|righe|casell/i });
  await expect(live.first()).toBeVisible();
});
