import { expect, test } from "@playwright/test";
import { login, orderUpToReview, uniq } from "./helpers";

// A valid codice fiscale of nobody in the other tests (from tests/data/cf_vectors.tsv).
const CF = "QSWTFG44D62R632Z";

for (const js of [true, false]) {
  test.describe(js ? "with JavaScript" : "without JavaScript", () => {
    test("Ricerca finds a mailbox by userid and by codice fiscale; a booked order can be cancelled", async ({ page, browser }) => {
      await login(page);
      const address = `cerca_${uniq()}@legalmail.it`;
      await orderUpToReview(page, [{ address, passwordEmail: "p@example.it", firstName: "Gina", lastName: "Cercata", taxCode: CF }]);
      await page.getByRole("button", { name: "Conferma" }).click();
      await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
      const number = (await page.locator("dd.order-number").textContent())!.trim();
      const userid = (await page.getByRole("row", { name: new RegExp(address) }).getByRole("link").textContent())!.trim();

      const p = js ? page : await (await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() })).newPage();
      await p.goto("/");
      await p.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: "Ricerca" }).click();
      await expect(p.getByRole("heading", { level: 1 })).toHaveText("Ricerca");
      await p.getByLabel("Cerca").fill(userid.toLowerCase());
      await p.getByRole("button", { name: "Cerca" }).click();
      await expect(p.getByRole("table")).toContainText("Caselle trovate: 1");
      await expect(p.getByRole("link", { name: userid })).toBeVisible();

      await p.getByLabel("Cerca").fill(CF.slice(0, 9).toLowerCase());
      await p.getByLabel("Stato").selectOption("PRENOTATA");
      await p.getByRole("button", { name: "Cerca" }).click();
      await expect(p.getByRole("cell", { name: address })).toBeVisible();
      await p.getByRole("link", { name: userid }).click();
      await expect(p.getByRole("heading", { level: 1 })).toHaveText("Dettaglio casella");

      // Cancel the booked order: the name is free again, and Attività recenti says so.
      await p.goto(`/ordini/${number}`);
      await p.getByRole("button", { name: "Annulla ordine" }).click();
      await expect(p.getByRole("status")).toContainText("Ordine annullato");
      await expect(p.getByRole("definition").filter({ hasText: /^ANNULLATO$/ })).toBeVisible();
      await p.goto("/recenti");
      await expect(p.getByRole("region", { name: "Ultime operazioni" })).toContainText(`Ordine ${number} annullato`);
    });
  });
}
