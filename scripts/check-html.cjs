// Open an HTML report in headless Chromium (Debian's, driven by
// playwright-core) at a phone's and a screen's width. Fails on a console
// error, a page wider than the window, a missing section, or a picture
// without its legend; keeps a full-page screenshot of each width.
//
//   NODE_PATH=…/node_modules node scripts/check-html.cjs REPORT.html OUT_DIR section-id…
const { chromium } = require("playwright-core");
const { pathToFileURL } = require("node:url");
const path = require("node:path");

(async () => {

const [report, outDir, ...sections] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const problems = [];
for (const width of [400, 1280]) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`${width}px console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`${width}px page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`${width}px request failed: ${r.url()}`));
  await page.goto(pathToFileURL(path.resolve(report)).href, { waitUntil: "load" });
  const facts = await page.evaluate((ids) => ({
    pageWidth: document.documentElement.scrollWidth,
    window: window.innerWidth,
    missing: ids.filter((id) => !document.getElementById(id)),
    verdict: !!document.querySelector(".verdict"),
    // The picture shown at this width (a figure holds a wide and a narrow one).
    pictures: [...document.querySelectorAll("figure svg")].filter((svg) => svg.getBoundingClientRect().width > 0).map((svg) => ({
      title: svg.querySelector("title")?.textContent ?? "",
      legend: svg.querySelectorAll("text").length > 3,
      width: svg.getBoundingClientRect().width,
    })),
    external: [...document.querySelectorAll("[src],link[href]")].map((e) => e.getAttribute("src") || e.getAttribute("href")),
  }), sections);
  if (facts.pageWidth > facts.window) problems.push(`${width}px: the page is ${facts.pageWidth}px wide, wider than the window`);
  if (facts.missing.length) problems.push(`${width}px: sections missing: ${facts.missing.join(", ")}`);
  if (!facts.verdict) problems.push(`${width}px: no verdict`);
  if (facts.external.length) problems.push(`${width}px: loads ${facts.external.join(", ")}: not self-contained`);
  for (const p of facts.pictures) {
    if (p.width > width) problems.push(`${width}px: picture "${p.title}" is ${p.width}px wide`);
    if (!p.legend) problems.push(`${width}px: picture "${p.title}" has no text (legend, axes)`);
  }
  const shot = path.join(outDir, `report-${width}px.png`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`${width}px: ${facts.pictures.length} pictures, sections ${sections.join(", ")}; screenshot ${shot}`);
  await page.close();
}
await browser.close();
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
