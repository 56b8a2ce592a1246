import { expect, test } from "@playwright/test";
import { consoleErrors, hydrated, login, orderUpToReview, uniq } from "./helpers";

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: js });

    test("Gestione domini adds a checked domain, refuses a duplicate, and the wizard takes it", async ({
      page,
    }) => {
      const log = consoleErrors(page);
      await login(page, "admin");
      await page.goto("/domini");
      if (js) await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gestione domini");
      const form = page.getByRole("form", { name: "Nuovo dominio" });
      const field = form.getByLabel("Nome dominio");
      const name = `uffici${uniq()}.legalmail.it`;

      if (js) {
        // Checked on every keystroke by the shared core, before anything is sent.
        await field.fill("uffici_tecnici.legalmail.it");
        await expect(field).toHaveAttribute("aria-invalid", "true");
        await expect(form).toContainText("non è ammesso");
      }
      await field.fill(name.toUpperCase());
      if (js) await expect(field).not.toHaveAttribute("aria-invalid", "true");
      await form.getByLabel("Tipo").selectOption({ label: "di terzo livello" });
      await form.getByRole("button", { name: "Aggiungi dominio" }).click();
      await expect(page.getByRole("status")).toContainText(`Dominio ${name} aggiunto`);
      // The post reloaded the page: typing before it hydrates would be reset by hydration.
      if (js) await hydrated(page);
      const table = page.getByRole("table", { name: /Domini/ });
      await expect(table.getByRole("cell", { name, exact: true })).toBeVisible();
      await expect(table.getByRole("columnheader", { name: "Caselle" })).toBeVisible();

      // The same name again, in another case: refused, and what was typed is still there.
      await form.getByLabel("Nome dominio").fill(name.replace("uffici", "UFFICI"));
      await form.getByLabel("Tipo").selectOption({ label: "di terzo livello" });
      await form.getByRole("button", { name: "Aggiungi dominio" }).click();
      await expect(page.getByRole("alert")).toContainText("Dominio già presente");
      await expect(page.getByRole("form", { name: "Nuovo dominio" }).getByLabel("Nome dominio")).toHaveValue(
        name.replace("uffici", "UFFICI"),
      );

      // The filter finds it by the start of its name.
      await page.getByLabel("Nome", { exact: true }).fill(name.slice(0, 12));
      await page.getByRole("button", { name: "Filtra" }).click();
      await expect(page.getByRole("table", { name: /Domini \(1\)/ })).toBeVisible();

      if (js) {
        // A mailbox on the new domain is accepted by the wizard and ordered.
        await orderUpToReview(page, [{ address: `protocollo@${name}`, passwordEmail: "titolare@example.it" }]);
        await page.getByRole("button", { name: "Conferma" }).click();
        await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
      }
      // Suspended by its button: no longer offered to new mailboxes.
      await page.goto("/domini");
      if (js) await hydrated(page);
      await page.getByRole("button", { name: `Sospendi ${name}` }).click();
      await expect(page.getByRole("status")).toContainText(`Dominio ${name} sospeso.`);
      await expect(page.getByRole("row").filter({ hasText: name })).toContainText("SOSPESO");
      log.check();
    });

    test("a customer's domain is certified by Verifica DNS and then takes a mailbox", async ({ page }) => {
      const log = consoleErrors(page);
      await login(page, "admin");
      await page.goto("/domini");
      if (js) await hydrated(page);
      // What the customer publishes, copy-friendly (the test's DNS server: scripts/test.sh).
      const records = page.getByRole("table", { name: "Record DNS per @" });
      await expect(records).toContainText("10 mx.pec.fornitore.it.");
      await expect(records).toContainText("v=spf1 include:spf.pec.fornitore.it -all");

      const row = (name: string) => page.getByRole("table", { name: /^Domini/ }).getByRole("row").filter({ hasText: name });
      const add = async (name: string) => {
        const form = page.getByRole("form", { name: "Nuovo dominio" });
        await form.getByLabel("Nome dominio").fill(name);
        await form.getByLabel("Cliente").selectOption({ label: "Collaudo" });
        await form.getByLabel("Tipo").selectOption({ label: "del cliente" });
        await form.getByRole("button", { name: "Aggiungi dominio" }).click();
        await expect(page.getByRole("status")).toContainText(`Dominio ${name} aggiunto`);
        if (js) await hydrated(page);
        await expect(row(name)).toContainText("IN_ATTESA");
      };

      // Records pointing elsewhere: what to fix is named, the domain keeps waiting.
      const wrong = `dns-ko-${uniq()}.it`;
      await add(wrong);
      await page.getByRole("button", { name: `Verifica DNS ${wrong}` }).click();
      const alert = page.getByRole("alert");
      await expect(alert).toContainText(`Verifica DNS non superata: il dominio ${wrong} resta IN_ATTESA.`);
      await expect(alert).toContainText("Il record MX non punta a mx.pec.fornitore.it (trovati: mail.altro.it)");
      await expect(alert.getByRole("table", { name: `Record DNS per ${wrong}` })).toBeVisible();
      await expect(row(wrong)).toContainText("IN_ATTESA");

      // The provider's records: certified.
      const right = `dns-ok-${uniq()}.it`;
      if (js) await hydrated(page);
      await add(right);
      await page.getByRole("button", { name: `Verifica DNS ${right}` }).click();
      await expect(page.getByRole("status")).toContainText(
        `Verifica DNS superata: il dominio ${right} è CERTIFICATO.`,
      );
      await expect(row(right)).toContainText("CERTIFICATO");
      await expect(page.getByRole("button", { name: `Verifica DNS ${right}` })).toHaveCount(0);

      if (js) {
        await orderUpToReview(page, [{ address: `protocollo@${right}`, passwordEmail: "titolare@example.it" }]);
        await page.getByRole("button", { name: "Conferma" }).click();
        await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
      }
      log.check();
    });
  });
}

test("operators see the domains but may not add one", async ({ page }) => {
  await login(page, "operatore");
  await page.goto("/domini");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gestione domini");
  await expect(page.getByRole("columnheader", { name: "Dominio" })).toBeVisible();
  await expect(page.getByRole("form", { name: "Nuovo dominio" })).toHaveCount(0);
});
