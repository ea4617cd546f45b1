// Opens the server's web page in headless Chromium (Debian's chromium, driven by playwright-core),
// picks a user, types a prompt, asks, and waits until both answers (base and personalized) have
// streamed in. Env: PAGE_URL, USER_ID, PROMPT, MAX_TOKENS, CHROMIUM (default /usr/bin/chromium).
// Prints one JSON line with what the page shows; exits 1 on a failure.
import { chromium } from "playwright-core";

const env = (k, d) => process.env[k] ?? d ?? (() => { throw new Error(`missing env ${k}`); })();
const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
  ],
});
const out = {};
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(env("PAGE_URL"));
  await page.waitForSelector("body[data-ready='true']", { timeout: 30000 });
  out.title = await page.title();
  out.model = await page.textContent("#model");
  out.users = await page.$$eval("#user option", (os) => os.map((o) => o.value));
  await page.selectOption("#user", env("USER_ID"));
  await page.fill("#max-tokens", env("MAX_TOKENS"));
  await page.fill("#temperature", "0");
  await page.fill("#prompt", env("PROMPT"));
  await page.click("#send");
  // Both panes stream; the personalized one may finish first or last.
  out.sawStreaming = await page
    .waitForSelector("#user-output[data-state='streaming'], #user-output[data-state='done']", { timeout: 30000 })
    .then(() => true);
  await page.waitForSelector("#base-output[data-state='done']", { timeout: 60000 });
  await page.waitForSelector("#user-output[data-state='done']", { timeout: 60000 });
  out.base = await page.textContent("#base-output");
  out.personal = await page.textContent("#user-output");
  out.baseAdapter = await page.textContent("#base-adapter");
  out.userAdapter = await page.textContent("#user-adapter");
  out.pageErrors = errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
