import { expect, test } from "@playwright/test";
import { hydrated, login, uniq } from "./helpers";

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("Chiavi API: a new key is shown once, works with the API and stops when revoked", async ({ page }) => {
      await login(page, "alfa.admin");
      await page.goto("/configurazione");
      await page.getByRole("link", { name: "Chiavi API" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Chiavi API" })).toBeVisible();
      if (javaScriptEnabled) await hydrated(page);
      const name = `gestionale-${uniq()}`;
      const form = page.getByRole("form", { name: "Nuova chiave" });
      await form.getByLabel("Nome").fill(name);
      await form.getByLabel("Ambito").selectOption({ label: "Sola lettura" });
      await form.getByRole("button", { name: "Crea chiave" }).click();
      await expect(page.getByRole("status")).toContainText("Copiarla ora");
      const key = await page.getByLabel("Nuova chiave API").inputValue();
      expect(key).toMatch(/^pec_[0-9a-f]{64}$/);

      // The key reads through the API; it cannot write; the session cookie alone is no key.
      const auth = { Authorization: `Bearer ${key}` };
      expect((await page.request.get("/api/v1/orders", { headers: auth })).status()).toBe(200);
      const write = await page.request.post("/api/v1/mailboxes/XXX0000/suspend", { headers: auth });
      expect(write.status()).toBe(403);
      expect(write.headers()["content-type"]).toBe("application/problem+json");
      expect((await write.json()).code).toBe("sola_lettura");
      expect((await page.request.get("/api/v1/orders")).status()).toBe(401);

      // Shown once: not after a reload. The list names it.
      await page.reload();
      await expect(page.getByLabel("Nuova chiave API")).toHaveCount(0);
      const row = page.getByRole("table", { name: "Chiavi" }).getByRole("row").filter({ hasText: name });
      await expect(row).toContainText("Sola lettura");
      await expect(row).toContainText("Attiva");

      if (javaScriptEnabled) await hydrated(page);
      await row.getByRole("button", { name: `Revoca ${name}` }).click();
      await expect(page.getByRole("status")).toContainText("Chiave revocata");
      expect((await page.request.get("/api/v1/orders", { headers: auth })).status()).toBe(401);
    });
  });
}

test("the API's documentation reads without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/api/v1/docs");
  await expect(page.getByRole("heading", { level: 1, name: "API v1" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "POST /api/v1/orders", exact: true })).toBeVisible();
  const doc = await page.request.get("/api/v1/openapi.json");
  expect((await doc.json()).openapi).toMatch(/^3\.1/);
  await context.close();
});
