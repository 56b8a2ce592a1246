import { Browser, expect, test } from "@playwright/test";
import { fillRequest, hydrated, login } from "./helpers";

// The first-load budget (issue 10): what a browser with a cold cache transfers of the bundle
// (JS and WASM, brotli as the server sends it) before a page works: the main module, the split
// loader and the page's own chunks. The figures are printed for the README; the test fails when
// a page grows past its budget. The goals (200 kB, 200 kB, 260 kB) are not met: the budgets
// hold the measured sizes plus a few per cent (README, "Bundle").
const BUDGET = {
  // Raised with issue 11's four pages (login 225,519 → 231,974; recent 269,550 → 276,734;
  // step 2 421,255 → 442,940, the split tool having regrouped the shared chunks, 154 → 290),
  // and with issue 12's expiry page (step 2 445,477 → 452,011; shared chunks 296 → 332, split
  // loader +1 kB: each new lazy route regroups helpers it shares with step 2).
  login: Number(process.env.BUDGET_LOGIN ?? 245_000),
  recent: Number(process.env.BUDGET_RECENT ?? 295_000),
  step2: Number(process.env.BUDGET_STEP2 ?? 470_000),
};

type Session = Awaited<ReturnType<import("@playwright/test").BrowserContext["storageState"]>>;

/** Bytes of JS and WASM transferred (encoded bodies) to show `path`, hydrated, in a new
 * context: a cold cache, and the given session's cookies. */
async function coldLoad(browser: Browser, path: string, session?: Session) {
  const context = await browser.newContext({ storageState: session });
  const page = await context.newPage();
  const sizes: Promise<number>[] = [];
  page.on("requestfinished", (r) => {
    if (/\/pkg\/[^?]*\.(js|wasm)$/.test(r.url())) sizes.push(r.sizes().then((s) => s.responseBodySize));
  });
  await page.goto(path);
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  const total = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  await context.close();
  return total;
}

test("the first load of a page stays within its budget", async ({ browser, page }) => {
  await login(page);
  await page.goto("/richiesta");
  await hydrated(page);
  await fillRequest(page);
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/caselle$/);
  const step2 = new URL(page.url()).pathname;
  const session = await page.context().storageState();

  const figures = {
    login: await coldLoad(browser, "/accesso"),
    recent: await coldLoad(browser, "/recenti", session),
    step2: await coldLoad(browser, step2, session),
  };
  console.log(`first load (brotli, JS + WASM, bytes): ${JSON.stringify(figures)}`);
  for (const name of Object.keys(figures) as (keyof typeof figures)[]) {
    expect(figures[name], `${name}: over its budget of ${BUDGET[name]} bytes`).toBeLessThanOrEqual(BUDGET[name]);
  }
});
