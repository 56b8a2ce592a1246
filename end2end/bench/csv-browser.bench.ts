import { expect, test } from "@playwright/test";
import { fillRequest, hydrated, login, uniq } from "../tests/helpers";

/** The rows of scripts/gen_csv.py (valid mailboxes), with a prefix of this run. */
function file(rows: number) {
  const prefix = `bench${uniq()}`;
  const lines = ["Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname"];
  for (let i = 0; i < rows; i++) {
    const n = String(i).padStart(5, "0");
    lines.push(`${prefix}.${n}@testcert.legalmail.it;Casella numero ${i};gestione.${i}@example.it;Mario;Rossi;RSSMRA70A01H501S;${prefix}.${n}`);
  }
  return { name: "caselle-10000.csv", mimeType: "text/csv", buffer: Buffer.from("\uFEFF" + lines.join("\r\n") + "\r\n") };
}

test("10,000-row CSV: parse + validate in the browser's WASM, then upload and table", async ({ page }) => {
  const results: { parse_validate_ms: number; until_table_ms: number; step2_page_bytes: number }[] = [];
  for (let run = 0; run < 3; run++) {
    await login(page);
    await page.goto("/richiesta");
    await hydrated(page);
    await fillRequest(page);
    await page.getByRole("button", { name: "Continua" }).click();
    await expect(page).toHaveURL(/\/caselle$/);
    await hydrated(page);
    const csv = file(10_000);
    // The preview may be gone again quickly (the page reloads its data after the upload):
    // catch it as it appears.
    const parsed = page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const seen = () => {
            const el = document.querySelector("#anteprima[data-parse-ms]");
            if (el) resolve(Number(el.getAttribute("data-parse-ms")));
            return !!el;
          };
          const watch = new MutationObserver(() => seen() && watch.disconnect());
          watch.observe(document.body, { subtree: true, childList: true, attributes: true });
        }),
    );
    const start = Date.now();
    await page.getByLabel("Carica file CSV").setInputFiles(csv);
    const ms = await parsed;
    await expect(page.getByRole("heading", { name: "CASELLE LEGALMAIL (10000)" })).toBeVisible({ timeout: 120_000 });
    await expect(page.getByRole("heading", { name: "10000 caselle, nessuna con errori" })).toBeVisible();
    const until = Date.now() - start;
    // The step-2 page of a 10,000-mailbox request as the server sends it (no compression).
    const html = await (await page.request.get(page.url())).body();
    results.push({ parse_validate_ms: ms, until_table_ms: until, step2_page_bytes: html.length });
    await page.context().clearCookies();
  }
  console.log(`BENCH csv-browser ${JSON.stringify(results)}`);
});
