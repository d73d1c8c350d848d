// Uses VS Code (code-server, in headless Chromium) as a commissioner would, and writes down
// what the window showed: the outline, a stage's line in colour and its hover, the diagnostics
// of a misspelt name and the quick fixes offered for it. tests/vscode.rs starts code-server, gives the scenario and
// checks what is written against the `outcome` binary.
//
//   CHROMIUM=/usr/bin/chromium node drive.js URL SCENARIO.json OUT_DIR
//
// The scenario names the file to open, where to hover, where to misspell (a position and the
// character typed over the one before it) and the text of the quick fix to apply. Into OUT_DIR
// go `shown.json`, `hover.png` and `quickfix.png` (and `failed.png` when a step times out).
"use strict";

const fs = require("fs");
const path = require("path");
const puppeteer = require("puppeteer-core");

const [url, scenarioFile, out] = process.argv.slice(2);
const scenario = JSON.parse(fs.readFileSync(scenarioFile, "utf8"));
const WINDOW = { width: 1280, height: 800, deviceScaleFactor: 1 };
// A busy machine: VS Code starting its extension host, `outcome lsp` built for debugging.
const PATIENCE = 100000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(page, what, test, ...args) {
  try {
    await page.waitForFunction(test, { timeout: PATIENCE, polling: 100 }, ...args);
  } catch (error) {
    await page.screenshot({ path: path.join(out, "failed.png") });
    throw new Error(`VS Code did not show ${what}: ${error.message}`);
  }
}

async function keys(page, key, ...modifiers) {
  for (const modifier of modifiers) await page.keyboard.down(modifier);
  await page.keyboard.press(key);
  for (const modifier of modifiers.reverse()) await page.keyboard.up(modifier);
}

// The status bar's count of errors and warnings, as read aloud ("Errors: 1, Warnings: 1"),
// once it has stayed the same for a second.
async function problemCount(page) {
  const read = () =>
    page.evaluate(() => {
      const item = document.querySelector("#status\\.problems [aria-label]");
      return item ? item.getAttribute("aria-label") : "";
    });
  let count = await read();
  for (let same = 0; same < 10; ) {
    await sleep(100);
    const now = await read();
    same = now === count ? same + 1 : 0;
    count = now;
  }
  return count;
}

function texts(page, selector) {
  return page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.innerText), selector);
}

// Ctrl+G, `line:column`, Enter: the cursor there, the line in view.
async function goTo(page, { line, column }) {
  await keys(page, "g", "Control");
  await until(page, "the go-to-line box", () => document.querySelector(".quick-input-widget input:focus"));
  await page.keyboard.type(`${line}:${column}`);
  await sleep(300);
  await page.keyboard.press("Enter");
  await sleep(300);
}

// Click a section's header until it is open (`expanded` "true") or folded ("false").
async function toggle(page, header, expanded) {
  const deadline = Date.now() + PATIENCE;
  while (Date.now() < deadline) {
    const element = await page.waitForSelector(header);
    if ((await element.evaluate((e) => e.getAttribute("aria-expanded"))) === expanded) return;
    await element.click();
    await sleep(1000);
  }
  await page.screenshot({ path: path.join(out, "failed.png") });
  throw new Error(`the section ${header} did not become expanded=${expanded}`);
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: ["--no-sandbox", `--window-size=${WINDOW.width},${WINDOW.height}`],
    defaultViewport: WINDOW,
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(PATIENCE);
    await page.goto(url, { waitUntil: "domcontentloaded" });
    const shown = {};

    // Open the contract from the Explorer, fold the folder away and open the outline in its place.
    const row = `.explorer-folders-view .monaco-list-row[aria-label^="${scenario.file}"]`;
    await (await page.waitForSelector(row)).click();
    await until(page, "the contract", () => document.querySelector(".monaco-editor .view-lines"));
    await toggle(page, '.pane-header[aria-label^="Explorer Section"]', "false");
    await toggle(page, '.pane-header[aria-label^="Outline"]', "true");
    // Only `outcome lsp` gives the outline: rows in it mean the extension started the server.
    await until(page, "the outline", () => document.querySelectorAll(".outline-pane .monaco-list-row").length > 3);
    shown.opened = await problemCount(page);

    // Hover over a stage: the cursor put in its name, the mouse moved onto the cursor.
    await goTo(page, scenario.hover);
    const cursor = await page.$eval(".monaco-editor.focused .cursor", (e) => {
      const box = e.getBoundingClientRect();
      return { x: box.left, y: box.top + box.height / 2 };
    });
    await page.mouse.move(cursor.x - 20, cursor.y);
    await page.mouse.move(cursor.x, cursor.y, { steps: 5 });
    const hover = ".monaco-hover:not(.hidden) .hover-contents";
    await until(page, "the hover", (s) => (document.querySelector(s)?.innerText || "").includes("\n"), hover);
    await sleep(500);
    shown.hover = (await texts(page, ".monaco-hover:not(.hidden)")).join("\n");
    shown.outline = await page.evaluate(() =>
      [...document.querySelectorAll(".outline-pane .monaco-list-row")].map((r) => r.getAttribute("aria-label"))
    );
    // The colours of the hovered stage's line: each token's text and colour, and the editor's
    // own colour for text the grammar leaves alone.
    shown.colours = await page.evaluate((stage) => {
      const plain = (e) => e.textContent.replace(/\u00a0/g, " ");
      const line = [...document.querySelectorAll(".monaco-editor .view-line")].find((l) =>
        plain(l).includes(stage)
      );
      return {
        foreground: getComputedStyle(document.querySelector(".monaco-editor .view-lines")).color,
        tokens: [...line.querySelectorAll("span > span")].map((t) => [plain(t), getComputedStyle(t).color]),
      };
    }, scenario.hover.text);
    await page.screenshot({ path: path.join(out, "hover.png") });
    // The mouse onto the empty end of the tab bar, where it raises no hover of its own.
    await page.mouse.move(WINDOW.width - 200, 52);
    await page.keyboard.press("Escape");

    // Misspell a name by typing over its last letter.
    await goTo(page, scenario.misspell);
    await page.keyboard.press("Backspace");
    await page.keyboard.type(scenario.misspell.typed);
    await until(page, "the error", () => document.querySelector(".squiggly-error"));
    shown.misspelt = await problemCount(page);

    // The Problems panel (Ctrl+Shift+M), then back to the name and its quick fixes (Ctrl+.).
    await keys(page, "M", "Control", "Shift");
    await until(page, "the problems", () => document.querySelectorAll(".markers-panel .monaco-list-row").length > 1);
    shown.problems = await texts(page, ".markers-panel .monaco-list-row");
    await keys(page, "1", "Control");
    await goTo(page, scenario.fix);
    await keys(page, ".", "Control");
    await until(page, "the quick fixes", () => document.querySelector(".action-widget .monaco-list-row.action"));
    await sleep(500);
    shown.fixes = await texts(page, ".action-widget .monaco-list-row.action");
    await page.screenshot({ path: path.join(out, "quickfix.png") });

    // Apply the fix, wait for the problems to go, save.
    let applied = false;
    for (const action of await page.$$(".action-widget .monaco-list-row.action")) {
      if ((await action.evaluate((e) => e.innerText)).includes(scenario.fix.title)) {
        await action.click();
        applied = true;
        break;
      }
    }
    if (applied) {
      await until(page, "the error go", () => !document.querySelector(".squiggly-error"));
      await keys(page, "s", "Control");
      await until(page, "the file saved", () => !document.querySelector(".tab.active.dirty"));
      await sleep(500);
      shown.fixed = await problemCount(page);
    }
    fs.writeFileSync(path.join(out, "shown.json"), JSON.stringify(shown, null, 2));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
