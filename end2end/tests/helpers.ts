import { Browser, expect, Page } from "@playwright/test";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A suffix that keeps the names of one test apart from every other run's. */
export function uniq(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** The demo operators' password: scripts/test.sh starts the server with the same value. */
export const PASSWORD = process.env.PEC_DEMO_PASSWORD ?? "password-e2e-2026";

/**
 * Logs in through the login page (works with and without JavaScript). Demo operators:
 * "operatore" and "admin" (provider), "alfa" and "alfa.admin" (reseller Alfa), "beta".
 */
export async function login(page: Page, user = "operatore") {
  await page.goto("/accesso");
  await page.getByLabel("Nome utente").fill(user);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Accedi" }).click();
  await expect(page).not.toHaveURL(/\/accesso/);
}

/** Waits until the WASM client has hydrated the page (never type before). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 30_000 });
}

/** Collects console errors and uncaught exceptions; call `check()` at the end. */
export function consoleErrors(page: Page) {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return { errors, check: () => expect(errors, errors.join("\n")).toEqual([]) };
}

export type Mailbox = {
  address: string;
  description?: string;
  passwordEmail: string;
  firstName?: string;
  lastName?: string;
  taxCode?: string;
  nickname?: string;
};

/** Fills step 1 as the seed's operator would. */
export async function fillRequest(page: Page) {
  await page.getByLabel("Denominazione").fill("Collaudo");
  await page.getByLabel("Tipo cliente").selectOption({ label: "P.A. Centrale" });
  await page.getByLabel("Legale rappresentante").fill("RCLMRA74D15F205V");
  await page.getByLabel("E-mail di contatto").fill("referente@collaudo.it");
  await page.getByLabel("Tipologia casella").selectOption({ label: "Casella Strutturata - Consip" });
  await page.getByLabel("Consenso trattamenti").check();
}

export function block(page: Page, n: number) {
  return page.getByRole("group", { name: `Casella ${n}`, exact: true });
}

export async function fillMailbox(page: Page, n: number, m: Mailbox) {
  const b = block(page, n);
  await b.getByLabel("Nome casella", { exact: true }).fill(m.address);
  await b.getByLabel("Descrizione", { exact: true }).fill(m.description ?? "");
  await b.getByLabel("Email gestione password", { exact: true }).fill(m.passwordEmail);
  await b.getByLabel("Nome", { exact: true }).fill(m.firstName ?? "");
  await b.getByLabel("Cognome", { exact: true }).fill(m.lastName ?? "");
  await b.getByLabel("Codice fiscale", { exact: true }).fill(m.taxCode ?? "");
  await b.getByLabel("Nickname", { exact: true }).fill(m.nickname ?? "");
}

/** Step 1 filled and sent, with JavaScript: on step 2, hydrated. */
export async function toMailboxStep(page: Page) {
  await page.goto("/richiesta");
  await hydrated(page);
  await fillRequest(page);
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/richiesta\/[0-9a-f]+\/caselle$/);
  await hydrated(page);
}

/** On the summary of a booked order: downloads the contract, signs it as the legal
 * representative and uploads it; the order is EVASO. */
export async function signAndUpload(page: Page) {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download Contratto" }).click(),
  ]);
  const p7m = signContract(fs.readFileSync(await download.path()));
  await page.getByLabel("Upload Firma Contratto").setInputFiles({ name: "contratto.pdf.p7m", mimeType: "application/pkcs7-mime", buffer: p7m });
  await expect(page.getByRole("status")).toContainText("EVASO");
}

/** Steps 1 and 2 through the UI with JavaScript, up to the review page. */
export async function orderUpToReview(page: Page, mailboxes: Mailbox[]) {
  if (page.url().includes("/accesso") || page.url() === "about:blank") await login(page);
  await toMailboxStep(page);
  for (let i = 0; i < mailboxes.length; i++) {
    if (i > 0) await page.getByRole("button", { name: "Aggiungi casella" }).click();
    await fillMailbox(page, i + 1, mailboxes[i]);
  }
  await page.getByRole("button", { name: "Continua" }).click();
  await expect(page).toHaveURL(/\/verifica$/);
  await hydrated(page);
}

/** A booked order of one mailbox, on its summary page. */
export async function bookOne(page: Page) {
  const address = `caso_${uniq()}@legalmail.it`;
  await orderUpToReview(page, [{ address, passwordEmail: "titolare@example.it" }]);
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
  const number = (await page.locator("dd.order-number").textContent())!.trim();
  return { address, number };
}


/** The tests' own certification authority and signers (end2end/support/pki.sh; scripts/test.sh
 * makes them and gives the server the authority as PEC_TRUST_DIR). */
const PKI = process.env.PEC_E2E_PKI ?? path.join(__dirname, "../../target/e2e-pki");

/** The contract `pdf` signed as CAdES (`.p7m`, DER) by Debian's `openssl cms -sign`: by the
 * legal representative of the tests' orders (Mario Rossi, RCLMRA74D15F205V) or by someone else. */
export function signContract(pdf: Buffer, signer: "rep" | "other" = "rep"): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pec-sign-"));
  try {
    fs.writeFileSync(path.join(dir, "contratto.pdf"), pdf);
    execFileSync("openssl", [
      "cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-outform", "DER", "-nosmimecap",
      "-in", path.join(dir, "contratto.pdf"), "-out", path.join(dir, "contratto.pdf.p7m"),
      "-signer", path.join(PKI, `${signer}.pem`), "-inkey", path.join(PKI, `${signer}.key`),
      "-certfile", path.join(PKI, "trust", "ca.pem"),
    ]);
    return fs.readFileSync(path.join(dir, "contratto.pdf.p7m"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Two mailboxes ordered and activated (contract downloaded and uploaded), in a browser of
 * their own with JavaScript: their userids and their expiry date as `YYYY-MM-DD`. */
export async function twoActive(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  await login(page, "operatore");
  const u = uniq();
  const addresses = [`rinnovo-a-${u}@legalmail.it`, `rinnovo-b-${u}@legalmail.it`];
  await orderUpToReview(
    page,
    addresses.map((address) => ({ address, passwordEmail: "titolare@example.it" })),
  );
  await page.getByRole("button", { name: "Conferma" }).click();
  await expect(page.getByText("La sua prenotazione è andata a buon fine")).toBeVisible();
  await hydrated(page);
  await signAndUpload(page);
  const table = page.getByRole("table", { name: "Caselle" });
  const userids: string[] = [];
  for (const address of addresses) {
    userids.push((await table.getByRole("row").filter({ hasText: address }).getByRole("link").first().textContent())!.trim());
  }
  await table.getByRole("link", { name: userids[0] }).click();
  const expiry = (await page.locator("dt:text-is('Data scadenza') + dd").textContent())!.trim();
  const [d, m, y] = expiry.split("/");
  await context.close();
  return { userids, iso: `${y}-${m}-${d}`, nextYear: `${d}/${m}/${Number(y) + 1}` };
}


/** Where the server writes e-mails (scripts/test.sh sets PEC_OUTBOX_DIR for both). */
const OUTBOX = process.env.PEC_OUTBOX_DIR ?? path.join(__dirname, "../../data/outbox");

/** The password links of the e-mails sent for `address`, oldest first, once there are at
 * least `count` of them (bodies may be quoted-printable). */
export async function linksFor(address: string, count = 1): Promise<string[]> {
  let links: string[] = [];
  await expect
    .poll(
      () => {
        links = [];
        for (const f of (fs.existsSync(OUTBOX) ? fs.readdirSync(OUTBOX) : []).sort()) {
          const text = fs.readFileSync(path.join(OUTBOX, f), "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
          const link = text.match(/https?:\/\/\S+\/attiva\?token=[0-9a-f]+/);
          if (text.includes(address) && link) links.push(new URL(link[0]).pathname + new URL(link[0]).search);
        }
        return links.length;
      },
      { timeout: 30_000 },
    )
    .toBeGreaterThanOrEqual(count);
  return links;
}

export async function linkFor(address: string): Promise<string> {
  return (await linksFor(address)).at(-1)!;
}

