import { expect, test } from "@playwright/test";
import { consoleErrors, hydrated, login, uniq } from "./helpers";

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("Clienti: a customer added by hand is offered by step 1", async ({ page }) => {
      const log = consoleErrors(page);
      const name = `Studio ${uniq()}`;
      await login(page, "alfa.admin");
      await page.goto("/configurazione");
      await page.getByRole("link", { name: "Clienti" }).click();
      if (js) await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Clienti");
      const form = page.getByRole("form", { name: "Nuovo cliente" });
      await form.getByLabel("Denominazione").fill(name);
      await form.getByLabel("Tipo cliente").selectOption({ label: "Professionista" });
      await form.getByLabel("Legale rappresentante").fill("RCLMRA74D15F205X");
      if (js) {
        // The codice fiscale's check character is checked as it is typed.
        await expect(form.getByLabel("Legale rappresentante")).toHaveAttribute("aria-invalid", "true");
      } else {
        await form.getByRole("button", { name: "Salva cliente" }).click();
        await expect(page.getByRole("form", { name: "Nuovo cliente" }).getByLabel("Denominazione")).toHaveValue(name);
      }
      const again = page.getByRole("form", { name: "Nuovo cliente" });
      await again.getByLabel("Legale rappresentante").fill("RCLMRA74D15F205V");
      await again.getByRole("button", { name: "Salva cliente" }).click();
      await expect(page.getByRole("status")).toContainText("Cliente salvato.");
      await expect(page.getByRole("table", { name: /Clienti/ }).getByRole("cell", { name, exact: true })).toBeVisible();

      // Step 1's customer list has it.
      await page.goto("/richiesta");
      await expect(page.locator(`datalist#clienti option[value="${name}"]`)).toHaveCount(1);
      log.check();
    });
  });
}
