import { expect, test } from "@playwright/test";
import { consoleErrors, hydrated, login, uniq } from "./helpers";

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("Organizzazioni: a new reseller's administrator logs in with the password shown once", async ({ page }) => {
      const log = consoleErrors(page);
      const id = uniq();
      const name = `Rivenditore ${id}`;
      const user = `adm.${id}`;
      await login(page, "admin");
      await page.goto("/configurazione");
      await page.getByRole("link", { name: "Organizzazioni" }).click();
      if (js) await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Organizzazioni");
      const form = page.getByRole("form", { name: "Nuova organizzazione" });
      await form.getByLabel("Nome", { exact: true }).fill(name);
      await form.getByLabel("Nome utente amministratore").fill(user);
      await form.getByLabel("Nome e cognome amministratore").fill("Ada Prova");
      await form.getByRole("button", { name: "Crea organizzazione" }).click();
      await expect(page.getByRole("status")).toContainText(`Organizzazione ${name} creata`);
      const password = (await page.getByRole("status").locator("code").textContent())?.trim() ?? "";
      expect(password.length).toBeGreaterThanOrEqual(12);
      await expect(page.getByRole("table", { name: /Organizzazioni/ }).getByRole("cell", { name, exact: true })).toBeVisible();

      await page.context().clearCookies();
      await page.goto("/accesso");
      await page.getByLabel("Nome utente").fill(user);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Accedi" }).click();
      // The password the provider's administrator was shown is changed before anything else.
      await expect(page).toHaveURL(/\/profilo/);
      await page.getByLabel("Password attuale").fill(password);
      await page.getByLabel("Nuova password", { exact: true }).fill("la-password-di-ada-2026");
      await page.getByLabel("Ripeti la nuova password").fill("la-password-di-ada-2026");
      await page.getByRole("button", { name: "Cambia password" }).click();
      await expect(page.getByRole("status")).toContainText("Password cambiata");
      await page.goto("/configurazione/operatori");
      await expect(page.getByRole("cell", { name: user, exact: true })).toBeVisible();
      log.check();
    });
  });
}

test("Configurazione links to every back-office page, none of them missing", async ({ page }) => {
  await login(page, "admin");
  await page.goto("/configurazione");
  for (const [link, heading] of [
    ["Operatori", "Operatori"],
    ["Clienti", "Clienti"],
    ["Organizzazioni", "Organizzazioni"],
    ["Impostazioni", "Impostazioni"],
    ["Registro attività", "Registro attività"],
  ]) {
    await page.goto("/configurazione");
    await page.getByRole("link", { name: link, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
  }
});
