//! The contract as a schedule for bidders and boards: one self-contained HTML document.
//!
//! `build --format html` writes `document`. The document has its stylesheet and its charts
//! inline, no script, and no reference to anything outside itself, so it opens offline and
//! prints to A4 (see `style` for the print rules).
//!
//! Sections follow the order a commissioner reads: the cover (parties, term, money at a
//! glance, boundaries), contents, outcomes, cohorts, customer funnels (a chart and a milestone
//! table each), performance targets, measures, the payment schedule and monitoring. A section
//! the contract has nothing for is left out, and so is its line in the contents.
//!
//! Every piece of the contract's text reaches the document through `writer::escape`; see
//! `writer` for how the types keep it that way. Like every emitter this one formats and never
//! computes: each figure printed was computed by `check`.

pub(crate) mod chart;
mod payments;
pub(crate) mod sections;
pub(crate) mod style;
pub(crate) mod words;
pub mod writer;

use crate::ast::StageKind;
use crate::model::Contract;
use writer::Html;

/// One top-level section of the schedule.
struct Section {
    id: &'static str,
    title: &'static str,
    /// Whether the contract has anything for this section.
    present: fn(&Contract) -> bool,
    write: fn(&mut Html, &Contract),
    /// The entries under this one in the contents, as (anchor, title).
    children: fn(&Contract) -> Vec<(String, String)>,
}

fn no_children(_: &Contract) -> Vec<(String, String)> {
    Vec::new()
}

/// The sections after the cover and contents, in reading order.
const SECTIONS: &[Section] = &[
    Section {
        id: "outcomes",
        title: "Outcomes",
        present: |c| !c.outcomes.is_empty(),
        write: sections::outcomes,
        children: no_children,
    },
    Section {
        id: "cohorts",
        title: "Who is served",
        present: |c| !c.cohorts.is_empty(),
        write: sections::cohorts,
        children: no_children,
    },
    Section {
        id: "funnels",
        title: "Customer funnels",
        present: |c| !c.funnels.is_empty(),
        write: sections::funnels,
        children: sections::funnel_contents,
    },
    Section {
        id: "targets",
        title: "Performance targets",
        present: has_targets,
        write: sections::targets,
        children: no_children,
    },
    Section {
        id: "measures",
        title: "Measures",
        present: |c| !c.measures.is_empty(),
        write: sections::measures,
        children: no_children,
    },
    Section {
        id: "payments",
        title: "Payment schedule",
        present: |_| true,
        write: payments::schedule,
        children: payments::contents,
    },
    Section {
        id: "monitoring",
        title: "Monitoring",
        present: |c| c.monitoring.is_some(),
        write: sections::monitoring,
        children: no_children,
    },
];

fn has_targets(contract: &Contract) -> bool {
    contract
        .funnels
        .iter()
        .flat_map(|f| &f.stages)
        .any(|s| s.kind == StageKind::Target)
}

/// The contract schedule as one HTML document, ending with a newline.
pub fn document(contract: &Contract) -> String {
    let mut html = Html::new();
    html.raw("<!DOCTYPE html>\n");
    html.open("html", &[("lang", "en-GB")]);
    html.nl();
    html.raw("<head>\n<meta charset=\"utf-8\">\n");
    // Nothing may be fetched and no script may run, whatever the document holds.
    html.raw(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\n",
    );
    html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.raw("<meta name=\"generator\" content=\"outcome\">\n");
    html.element(
        "title",
        &[],
        &format!("{}: contract schedule", contract.title),
    );
    html.nl();
    html.raw("<style>");
    html.raw(style::CSS);
    html.raw("</style>\n</head>\n<body>\n");
    // The presentation table repeats its head at the top of every printed page; on screen it
    // is laid out as plain blocks and its head is hidden.
    html.raw("<table class=\"print-frame\" role=\"presentation\">\n<thead aria-hidden=\"true\"><tr><td><div class=\"running-header\">");
    html.element("span", &[], &contract.title);
    html.raw("<span>Contract schedule</span></div></td></tr></thead>\n<tbody><tr><td>\n");
    html.raw("<main class=\"page\">\n");

    let present: Vec<&Section> = SECTIONS.iter().filter(|s| (s.present)(contract)).collect();
    sections::cover(&mut html, contract);
    contents(&mut html, contract, &present);
    for section in present {
        html.open(
            "section",
            &[
                ("id", section.id),
                ("aria-labelledby", &heading_id(section.id)),
            ],
        );
        html.nl();
        html.element("h2", &[("id", &heading_id(section.id))], section.title);
        html.nl();
        (section.write)(&mut html, contract);
        html.close("section");
        html.nl();
    }
    html.raw("<footer class=\"colophon\"><p>Generated by <code>outcome</code> from the checked contract. \
              Every figure in this schedule was computed exactly from the contract’s own terms; \
              conversion factors are rounded to one decimal place.</p></footer>\n");
    html.raw("</main>\n</td></tr></tbody>\n</table>\n</body>\n</html>\n");
    html.finish()
}

fn heading_id(section: &str) -> String {
    format!("{section}-heading")
}

/// The contents list: every section present, with the funnels and payment subsections under
/// theirs.
fn contents(html: &mut Html, contract: &Contract, present: &[&Section]) {
    html.raw("<nav class=\"contents\" aria-labelledby=\"contents-heading\">\n");
    html.raw("<h2 id=\"contents-heading\">Contents</h2>\n<ol>\n");
    for section in present {
        html.raw("<li>");
        html.element("a", &[("href", &format!("#{}", section.id))], section.title);
        let children = (section.children)(contract);
        if !children.is_empty() {
            html.raw("\n<ol>\n");
            for (id, title) in children {
                html.raw("<li>");
                html.element("a", &[("href", &format!("#{id}"))], &title);
                html.raw("</li>\n");
            }
            html.raw("</ol>\n");
        }
        html.raw("</li>\n");
    }
    html.raw("</ol>\n</nav>\n");
}
