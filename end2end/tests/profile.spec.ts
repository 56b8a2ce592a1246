import { expect, Page, test } from "@playwright/test";
import { login, PASSWORD, uniq } from "./helpers";

// Issue 28, first part: Il mio profilo, "Cambia password" and "Sessioni attive".

/** A new operator of the provider, made by its administrator; returns the user name. */
async function newOperator(page: Page): Promise<string> {
  const username = `profilo.${uniq()}`;
  await login(page, "admin");
  await page.goto("/configurazione/operatori");
  await page.getByLabel("Nome utente").fill(username);
  await page.getByLabel("Nome e cognome").fill("Operatore Profilo");
  await page.getByLabel("Ruolo").selectOption("OPERATORE");
  await page.getByLabel("Password iniziale").fill(PASSWORD);
  await page.getByRole("button", { name: "Crea operatore" }).click();
  await expect(page.getByRole("status")).toContainText(username);
  return username;
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto("/accesso");
  await page.getByLabel("Nome utente").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Accedi" }).click();
  await expect(page).not.toHaveURL(/\/accesso/);
}

for (const javaScriptEnabled of [true, false]) {
  test(`the profile changes the password and ends the other sessions (${javaScriptEnabled ? "with" : "without"} JavaScript)`, async ({ page, browser }) => {
    const username = await newOperator(page);
    const other = await (await browser.newContext()).newPage();
    await signIn(other, username, PASSWORD);
    const context = await browser.newContext({ javaScriptEnabled });
    const me = await context.newPage();
    await signIn(me, username, PASSWORD);

    await me.getByRole("link", { name: "Il mio profilo" }).click();
    await expect(me.getByRole("heading", { level: 1 })).toHaveText("Il mio profilo");
    const sessions = me.getByRole("table", { name: "Sessioni attive" });
    await expect(sessions.getByRole("row")).toHaveCount(3);
    await expect(sessions).toContainText("(questa sessione)");

    // The wrong current password: refused, nothing changes.
    await me.getByLabel("Password attuale").fill("non-è-questa-la-password");
    await me.getByLabel("Nuova password", { exact: true }).fill("una-nuova-password-2026");
    await me.getByLabel("Ripeti la nuova password").fill("una-nuova-password-2026");
    await me.getByRole("button", { name: "Cambia password" }).click();
    await expect(me.getByRole("alert")).toContainText("La password attuale non è corretta");

    await me.getByLabel("Password attuale").fill(PASSWORD);
    await me.getByLabel("Nuova password", { exact: true }).fill("una-nuova-password-2026");
    await me.getByLabel("Ripeti la nuova password").fill("una-nuova-password-2026");
    await me.getByRole("button", { name: "Cambia password" }).click();
    await expect(me.getByRole("status")).toContainText("Password cambiata");
    await expect(sessions.getByRole("row")).toHaveCount(2);
    // The other session is over: its next page is the login.
    await other.goto("/recenti");
    await expect(other).toHaveURL(/\/accesso/);

    // A third session, ended from the profile.
    await signIn(other, username, "una-nuova-password-2026");
    await me.reload();
    await me.getByRole("button", { name: "Termina sessione 2" }).click();
    await expect(me.getByRole("status")).toContainText("Sessione terminata.");
    await other.goto("/recenti");
    await expect(other).toHaveURL(/\/accesso/);
    await context.close();
  });
}
