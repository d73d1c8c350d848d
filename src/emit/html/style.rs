//! The schedule's one stylesheet, inlined into the document.
//!
//! System font stacks only (no web fonts), no `url(…)`, no `@import`: the document opens
//! offline and makes no request. Colours keep text contrast at 4.5:1 or more, and nothing is
//! said by colour alone: targets also differ by pattern, outline and label, and cards and
//! badges have borders.
//!
//! Print (Chromium's PDF printing is the reference): A4 or US Letter (`writer::Paper`, whose
//! rule follows this stylesheet) with margins; the page number in the
//! bottom margin box (`@bottom-right`, which Chromium supports from version 131); and the
//! contract title as a running header in the `<thead>` of a presentation table that wraps the
//! whole document, which Chromium repeats at the top of every printed page. Chromium supports
//! neither `string-set` nor running elements, and a margin box can only hold a string written
//! in the stylesheet, so the title cannot go there without a second escaping scheme.

pub const CSS: &str = r#"
:root {
  --ink: #1b1f24;
  --muted: #4a5561;
  --accent: #1f5a8a;
  --target: #9a4a08;
  --rule: #c9d1da;
  --wash: #eef2f6;
  --zebra: #f7f9fb;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
}
* { box-sizing: border-box; }
html { background: #e9edf1; }
body {
  margin: 0;
  padding: 32px 16px;
  color: var(--ink);
  font-family: var(--sans);
  font-size: 15px;
  line-height: 1.55;
  font-variant-numeric: tabular-nums;
}
.print-frame, .print-frame > tbody, .print-frame > tbody > tr, .print-frame > tbody > tr > td {
  display: block;
  margin: 0;
  padding: 0;
}
.print-frame > thead { display: none; }
.page {
  max-width: 1000px;
  margin: 0 auto;
  padding: 56px 64px 48px;
  background: #ffffff;
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.12), 0 8px 24px rgba(0, 0, 0, 0.06);
}
h1, h2, h3 { line-height: 1.25; color: #12324f; }
h1 { font-size: 34px; margin: 0 0 24px; letter-spacing: -0.01em; }
h2 {
  font-size: 23px;
  margin: 48px 0 14px;
  padding-top: 14px;
  border-top: 2px solid #12324f;
}
h3 { font-size: 18px; margin: 28px 0 10px; }
p { margin: 0 0 12px; }
a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: 2px; }
.eyebrow {
  margin: 0 0 6px;
  color: var(--muted);
  font-size: 13px;
  font-weight: 600;
  letter-spacing: 0.08em;
  text-transform: uppercase;
}
.lede { color: var(--muted); max-width: 48em; }
.note, .lede, figcaption { text-wrap: pretty; }
.note { color: var(--muted); font-size: 0.92em; font-weight: 400; }
.visually-hidden {
  position: absolute !important;
  width: 1px; height: 1px;
  margin: -1px; padding: 0;
  overflow: hidden;
  clip-path: inset(50%);
  white-space: nowrap;
  border: 0;
}
.parties {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
  gap: 14px 32px;
  margin: 0 0 8px;
}
.parties div { border-left: 3px solid var(--rule); padding-left: 12px; }
.parties dt {
  color: var(--muted);
  font-size: 12.5px;
  font-weight: 600;
  letter-spacing: 0.06em;
  text-transform: uppercase;
}
.parties dd { margin: 2px 0 0; font-size: 16px; font-weight: 600; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.cover h2 { border-top: 0; margin-top: 30px; padding-top: 0; font-size: 19px; }
.cards {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(170px, 1fr));
  gap: 12px;
  margin: 0 0 12px;
  padding: 0;
  list-style: none;
}
.card {
  border: 1px solid var(--rule);
  border-top: 4px solid var(--accent);
  border-radius: 3px;
  padding: 12px 14px;
  background: #ffffff;
}
.card .label {
  display: block;
  color: var(--muted);
  font-size: 12.5px;
  font-weight: 600;
  letter-spacing: 0.05em;
  text-transform: uppercase;
}
.card .value { display: block; font-size: 24px; font-weight: 700; color: var(--ink); }
.card .detail { display: block; color: var(--muted); font-size: 13px; }
.boundaries { margin: 0; padding-left: 20px; }
.boundaries li { margin: 0 0 4px; }
nav.contents ol { margin: 0; padding-left: 22px; columns: 2; column-gap: 40px; }
nav.contents li { margin: 0 0 4px; break-inside: avoid; }
nav.contents ol ol { columns: 1; padding-left: 18px; font-size: 0.92em; }
.outcome {
  border: 1px solid var(--rule);
  border-left: 4px solid var(--accent);
  border-radius: 3px;
  padding: 14px 18px 6px;
  margin: 0 0 14px;
}
.outcome h3 { margin: 0 0 6px; }
.badge {
  display: inline-block;
  padding: 1px 8px;
  border: 1px solid currentColor;
  border-radius: 3px;
  font-size: 12px;
  font-weight: 700;
  letter-spacing: 0.04em;
  text-transform: uppercase;
  vertical-align: 2px;
}
.badge.population { color: #0f5132; background: #e6f4ea; }
.badge.service { color: var(--accent); background: #e8f0f8; }
.badge.target { color: var(--target); background: #fbeee2; border-style: dashed; border-width: 2px; }
.badge.bonus { color: #0f5132; background: #e6f4ea; }
.badge.penalty { color: #842029; background: #f8e1e3; border-style: double; border-width: 3px; }
.links { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.links dt { color: var(--muted); font-size: 13.5px; font-weight: 600; }
.links dd { margin: 0; }
.page table {
  width: 100%;
  border-collapse: collapse;
  margin: 8px 0 20px;
  font-size: 14px;
}
.page caption {
  caption-side: top;
  text-align: left;
  font-weight: 700;
  font-size: 14.5px;
  padding: 0 0 6px;
  color: var(--ink);
}
.page th, .page td {
  padding: 7px 9px;
  border-bottom: 1px solid var(--rule);
  text-align: left;
  vertical-align: top;
}
.page thead th {
  background: var(--wash);
  border-top: 1px solid var(--rule);
  border-bottom: 2px solid #8796a5;
  font-size: 12.5px;
  font-weight: 700;
  letter-spacing: 0.03em;
}
.page tbody tr:nth-child(even) > * { background: var(--zebra); }
.page tbody th { font-weight: 600; }
.page thead th.group { text-align: center; border-bottom: 1px solid var(--rule); }
.page table.milestones tbody th { min-width: 11em; }
.page table.milestones td:nth-child(7) { min-width: 12em; }
.page .num { text-align: right; white-space: nowrap; }
.page table.timeline thead th.num { white-space: nowrap; }
.page .nowrap { white-space: nowrap; }
time, .amount { white-space: nowrap; }
.page thead th.num { white-space: normal; }
.page tbody th { min-width: 9em; }
.page thead th { vertical-align: bottom; }
.page table.measures { table-layout: fixed; }
.page table.measures th:nth-child(1) { width: 25%; }
.page table.measures th:nth-child(2) { width: 13%; }
.page table.measures th:nth-child(3) { width: 12%; }
.page table.measures th:nth-child(4) { width: 20%; }
.page table.measures th:nth-child(5) { width: 10%; }
.page table.measures th:nth-child(6), .page table.measures th:nth-child(7) { width: 10%; }
.page table.measures td.num { white-space: normal; }
.page tr.is-target > * { background: #fbeee2 !important; }
.page tr.is-target > th:first-child { box-shadow: inset 4px 0 0 var(--target); }
.page tfoot th, .page tfoot td { border-top: 2px solid #8796a5; border-bottom: 0; font-weight: 700; }
.page .figures tbody th { width: 34%; }
.page .figures tbody td.num { width: 14%; font-weight: 700; }
.page .figures .binds { font-weight: 700; }
figure.chart {
  margin: 12px 0 18px;
  padding: 16px 18px 10px;
  border: 1px solid var(--rule);
  border-radius: 3px;
}
figure.chart figcaption { color: var(--muted); font-size: 0.9em; margin-top: 6px; }
.caption-note { display: block; color: var(--muted); font-size: 0.88em; font-weight: 400; margin-top: 2px; }
svg.funnel, svg.cash-flow { display: block; width: 100%; height: auto; font-family: var(--sans); }
.example {
  border: 1px solid var(--rule);
  border-left: 4px solid var(--target);
  border-radius: 3px;
  padding: 14px 18px 4px;
  background: #fffaf5;
}
.monitoring { display: grid; grid-template-columns: max-content 1fr; gap: 8px 24px; margin: 0; }
.monitoring dt { font-weight: 700; }
.monitoring dd { margin: 0; }
footer.colophon {
  margin-top: 40px;
  padding-top: 12px;
  border-top: 1px solid var(--rule);
  color: var(--muted);
  font-size: 13px;
}
@media (max-width: 720px) {
  .page { padding: 28px 20px; }
  nav.contents ol { columns: 1; }
}
@page {
  margin: 12mm 15mm 16mm;
  @bottom-right {
    content: "Page " counter(page) " of " counter(pages);
    font-family: system-ui, Arial, "Liberation Sans", sans-serif;
    font-size: 8pt;
    color: #4a5561;
  }
}
@media print {
  html, body { background: #ffffff; }
  body { padding: 0; font-size: 9.5pt; line-height: 1.45; }
  .print-frame { display: table; width: 100%; border-collapse: collapse; }
  .print-frame > thead { display: table-header-group; }
  .print-frame > tbody { display: table-row-group; }
  .print-frame > tbody > tr { display: table-row; }
  .print-frame > tbody > tr > td { display: table-cell; }
  .print-frame > thead > tr > td { padding: 0 0 5mm; background: none; border: 0; }
  .print-frame > tbody > tr > td { padding: 0; background: none; border: 0; }
  .running-header {
    display: flex;
    justify-content: space-between;
    gap: 12mm;
    padding-bottom: 2mm;
    border-bottom: 0.5pt solid #8796a5;
    color: var(--muted);
    font-size: 8pt;
    letter-spacing: 0.02em;
  }
  .page { max-width: none; padding: 0; box-shadow: none; }
  h1 { font-size: 22pt; }
  h2 { font-size: 15pt; margin-top: 7mm; }
  h3 { font-size: 12pt; margin-top: 6mm; }
  .cover h2 { font-size: 12.5pt; }
  /* Outcome cards a little tighter than on screen: the short section after them (who is
     served) was pushed alone onto a page before a funnel's chart. */
  .outcome { padding: 8px 14px 2px; margin-bottom: 8px; }
  .page table { font-size: 8.5pt; }
  .page thead th { font-size: 8pt; }
  .page caption { font-size: 9.5pt; }
  .page th, .page td { padding: 4px 6px; }
  .card .value { font-size: 15pt; }
  .parties dd { font-size: 10.5pt; }
  a { color: inherit; text-decoration: none; }
  h1, h2, h3, caption, .lede, h3 + p { break-after: avoid; }
  .cards { grid-template-columns: repeat(4, minmax(0, 1fr)); }
  .parties { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .page table, figure, .card, .outcome, .example, .monitoring, .links, .page tr { break-inside: avoid; }
  .page thead { display: table-header-group; }
  nav.contents { break-inside: avoid; }
  nav.contents ol { columns: 2; }
  .page table > caption { break-after: avoid; }
  .page table > thead { break-after: avoid; }
  .page table > tbody > tr:first-child, .page table > tbody > tr:nth-child(2) { break-before: avoid; }
  section > h2 + *, section > h3 + * { break-before: avoid; }
  /* The payment schedule follows on from the measures: a page break forced before it left
     the measures' last rows alone on a page. */
  p, li { orphans: 3; widows: 3; }
  .lede, .note, figcaption { break-inside: avoid; }
  /* A paragraph that leads into a figure stays whole and with it, so that the heading above
     (kept with the paragraph) is never left on a page without the figure. */
  p:has(+ figure) { break-inside: avoid; break-after: avoid; }
  svg.funnel, svg.cash-flow { width: 90%; margin: 0 auto; }
  /* A chart taller than what a page holds beside its heading and caption is scaled down to
     fit (the height of US Letter, the shorter paper, less the margins, the running header, a
     section's heading and lede, the funnel's heading and note, and the caption), so that the
     figure is never split, nor pushed away from its heading onto a page of its own. */
  svg.funnel, svg.cash-flow { max-height: 165mm; }
  footer.colophon { break-before: avoid; margin-top: 6mm; }
  figure.chart, .card, .badge, .page tr.is-target > *, .page thead th, svg {
    -webkit-print-color-adjust: exact;
    print-color-adjust: exact;
  }
  .page tbody tr:nth-child(even) > * { background: none; }
  .page tr.is-target > * { background: #fbeee2 !important; }
}
"#;
