//! The report's own rules, written after the schedule's stylesheet (`html::style::CSS`),
//! which the report shares: the same fonts, colours, tables, cards, badges, figures and A4
//! print rules. Like it: no `url(…)`, no `@import`, and nothing said by colour alone.

pub const CSS: &str = r#"
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
h3 code { font-size: 0.92em; background: var(--wash); padding: 1px 6px; border-radius: 3px; }
.report-date strong { color: var(--ink); }
.card.warn { border-top-color: #8a6d00; }
.card.alert { border-top: 4px double #842029; background: #fdf5f5; }
.card.alert .value { color: #842029; }
.equation { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 14px; margin: 4px 0 18px; }
.equation .term { border: 1px solid var(--rule); border-radius: 3px; padding: 8px 14px; color: var(--muted); font-size: 14px; }
.equation .term b { display: block; color: var(--ink); font-size: 24px; line-height: 1.2; }
.equation .term.rejected { border-style: dashed; border-width: 2px; }
.nothing-counted { border: 2px solid var(--ink); border-radius: 3px; padding: 10px 14px; overflow-wrap: anywhere; }
.equation .op { font-size: 26px; font-weight: 700; color: var(--muted); }
.page table.reasons { width: auto; min-width: 28em; }
.page table.reasons td.num { min-width: 6em; }
.page td.strong { font-weight: 700; }
.page td.zero { color: #6b7580; }
.page tr.is-exception > * { background: #fbeced !important; }
.page tr.is-exception > :first-child { box-shadow: inset 4px 0 0 #842029; }
.badge.exception { color: #842029; background: #f8e1e3; border-style: double; border-width: 3px; }
.badge.ok { color: #0f5132; background: #e6f4ea; }
.all-clear { font-size: 16px; }
.outlook ul { padding-left: 0; list-style: none; }
.outlook li { margin: 4px 0; }
.outlook li.warning { font-weight: 600; }
.scroll { overflow-x: auto; }
.page table.by-period th, .page table.by-period td { padding: 5px 7px; }
.page table.by-period tbody th { min-width: 8em; }
.page table.by-period thead th { font-size: 12px; }
.page table.by-period .to-date { border-left: 2px solid #8796a5; font-weight: 700; }
.totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 0 32px; align-items: start; }
.page table.amounts tbody th { min-width: 0; }
.page table.lines { font-size: 13px; }
.page table.lines th, .page table.lines td { padding: 5px 6px; }
.page table.lines td.participant, .page table.rejected td.participant { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.page table.lines td.cut { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; min-width: 7em; }
.page table.lines td.clause { overflow-wrap: anywhere; min-width: 12.5em; }
.page table.lines td, .page table.lines th, .page table.rejected td { vertical-align: baseline; }
.page table.lines td.clause code { font-size: 11.5px; }
.page table.rejected { font-size: 13px; }
.page table.rejected td.detail { color: var(--muted); overflow-wrap: anywhere; }
.page td.more { color: var(--muted); font-weight: 400; font-style: italic; }
p.more { font-style: italic; }
.residual { margin-bottom: 16px; }
.page table.reach { width: auto; min-width: 28em; }
@media print {
  .equation .term b { font-size: 14pt; }
  .equation .op { font-size: 15pt; }
  .page table.lines, .page table.rejected { break-inside: auto; }
  .page table.lines, .page table.rejected { font-size: 7.5pt; }
  .page table.lines td.participant, .page table.rejected td.participant, .page table.lines td.cut { font-size: 7pt; }
  .page table.lines td.clause { min-width: 11em; }
  .page table.lines td.clause code { font-size: 6.5pt; }
  .page table.lines th, .page table.lines td { padding: 2px 4px; }
  .scroll { overflow: visible; }
  .page table.lines tfoot, .page table.rejected tfoot { display: table-row-group; }
  .card.alert, .page tr.is-exception > *, .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;
