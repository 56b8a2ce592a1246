import { expect, test } from "@playwright/test";
import { consoleErrors, hydrated, login, orderUpToReview, PASSWORD, uniq } from "./helpers";

test("without a session every page leads to the login, and back after it", async ({ page }) => {
  const log = consoleErrors(page);
  await page.goto("/recenti");
  await expect(page).toHaveURL(/\/accesso\?next=/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Accesso");
  await hydrated(page);
  await page.getByLabel("Nome utente").fill("operatore");
  await page.getByLabel("Password").fill("sbagliata");
  await page.getByRole("button", { name: "Accedi" }).click();
  await expect(page.getByRole("alert")).toContainText("Nome utente o password non validi");
  await expect(page.getByLabel("Nome utente")).toHaveValue("operatore");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Accedi" }).click();
  await expect(page).toHaveURL(/\/recenti$/);
  await expect(page.getByText("Operatore InfoCert")).toBeVisible();
  await page.getByRole("button", { name: "Esci" }).click();
  await expect(page).toHaveURL(/\/accesso$/);
  await page.goto("/recenti");
  await expect(page).toHaveURL(/\/accesso\?next=/);
  log.check();
});

test("a reseller's order cannot be opened by another reseller", async ({ page }) => {
  const log = consoleErrors(page);
  await login(page, "alfa");
  const address = `rivenditore_${uniq()}@legalmail.it`;
  await orderUpToReview(page, [{ address, passwordEmail: "pwd@example.it", taxCode: "RSSMRA70A01H501S" }]);
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page).toHaveURL(/\/riepilogo$/);
  const number = (await page.locator(".order-number").innerText()).trim();
  const userid = (await page.getByRole("table", { name: "Dettaglio prodotto" }).locator("tbody tr td").nth(1).innerText()).trim();
  await page.goto(`/ordini/${number}`);
  await expect(page.locator("main dl").getByText("Operatore Alfa")).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Esci" }).click();
  await expect(page).toHaveURL(/\/accesso$/);
  log.check();

  await login(page, "beta");
  const res = await page.goto(`/ordini/${number}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText("non trovato");
  const res2 = await page.goto(`/caselle/${userid}`);
  expect(res2?.status()).toBe(404);
  await expect(page.getByText("RSSMRA70A01H501S")).toHaveCount(0);
  await page.goto("/recenti");
  await expect(page.getByRole("link", { name: number, exact: true })).toHaveCount(0);
});

test("administrators see the audit log; operators may not", async ({ page }) => {
  await login(page, "operatore");
  const res = await page.goto("/configurazione/registro");
  expect(res?.status()).toBe(403);
  await page.context().clearCookies();
  await login(page, "admin");
  await page.goto("/configurazione/registro?azione=LOGIN");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registro attività");
  await expect(page.getByRole("table").getByRole("cell", { name: "admin", exact: true }).first()).toBeVisible();
  await page.goto("/configurazione");
  await page.getByRole("link", { name: "Operatori" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Operatori");
  await expect(page.getByRole("cell", { name: "alfa.admin", exact: true })).toBeVisible();
});
