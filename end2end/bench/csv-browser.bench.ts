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

test("10,000-row CSV: parse + validate in the browser's WASM, upload, table, review, Conferma", async ({ page }) => {
  const results: Record<string, number>[] = [];
  // A page's HTML as the server sends it, before compression.
  const bytes = async (url: string) => ({
    raw: (await (await page.request.get(url, { headers: { "accept-encoding": "identity" } })).body()).length,
  });
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
    const step2 = await bytes(page.url());
    await page.getByRole("button", { name: "Continua" }).click();
    await expect(page).toHaveURL(/\/verifica$/);
    await hydrated(page);
    const review = await bytes(page.url());
    const confirmed = Date.now();
    await page.getByRole("button", { name: "Conferma" }).click();
    // Waited for in the page itself (not by the test's coarser polling).
    await page.getByText("La sua prenotazione è andata a buon fine").waitFor({ timeout: 60_000 });
    const conferma_to_summary_ms = Date.now() - confirmed;
    // Where the time went, from the browser's own clock (the redirect's POST included).
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return { redirect_ms: Math.round(n.redirectEnd - n.redirectStart), response_ms: Math.round(n.responseEnd - n.startTime), dom_ms: Math.round(n.domContentLoadedEventEnd - n.startTime) };
    });
    console.log(`BENCH conferma-navigation ${JSON.stringify(nav)}`);
    await hydrated(page);
    const summary = await bytes(page.url());
    const number = (await page.locator(".order-number").textContent())?.trim();
    const detail = await bytes(`/ordini/${number}`);
    results.push({
      parse_validate_ms: ms,
      until_table_ms: until,
      conferma_to_summary_ms,
      step2_html: step2.raw,
      review_html: review.raw,
      summary_html: summary.raw,
      detail_html: detail.raw,
    });
    await page.context().clearCookies();
  }
  console.log(`BENCH csv-browser ${JSON.stringify(results)}`);
});
