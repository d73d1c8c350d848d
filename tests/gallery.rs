//! The README's screenshots, and what keeps them from going stale.
//!
//! Each picture in `tests/screenshots/` is rendered by headless Chromium from a document the
//! binary writes (`outcome build --format html`, `outcome report --format html`), and
//! `tests/screenshots/SOURCES` records a fingerprint (FNV-1a, 64 bits) of the HTML each was
//! rendered from. The documents are the same bytes on every machine, so
//! `the_screenshots_show_the_documents_as_they_are_now` can tell, without a browser, when a
//! document has changed since its picture was taken, and fails with the command that renders
//! them again: `cargo test --test gallery -- --ignored render_the_screenshots`.

mod common;

use common::{
    assert_screenshot, chromium, chromium_available, exits, fingerprint, record_sources,
    recorded_sources, screenshots, Scratch,
};

/// One picture: its file, the document it shows, how much of it, and what it is for a reader.
struct Shot {
    png: &'static str,
    /// The arguments of the `outcome` run that writes the document to stdout.
    args: &'static [&'static str],
    /// Rules added after the document's own, to show one part of it alone.
    focus: Option<&'static str>,
    window: (u32, u32),
}

const SHOTS: &[Shot] = &[
    Shot {
        png: "schedule.png",
        args: &["build", "specs/drug-service.outcome", "--format", "html"],
        focus: None,
        window: (1200, 2400),
    },
    Shot {
        png: "funnel.png",
        args: &["build", "specs/rough-sleeping.outcome", "--format", "html"],
        // The branching funnel alone, all of its routes: everything else hidden, the funnel's
        // section at the top.
        focus: Some(
            "body * { visibility: hidden; } \
             #funnel-routes_home, #funnel-routes_home * { visibility: visible; } \
             #funnel-routes_home { position: absolute; top: 0; left: 0; width: 960px; \
             padding: 8px 24px; background: #ffffff; }",
        ),
        window: (1000, 1640),
    },
    Shot {
        png: "report.png",
        args: &[
            "report",
            "specs/rough-sleeping.outcome",
            "--returns",
            "specs/returns/rough-sleeping-2026-over-enrolled.csv",
            "--until",
            "2026-12-31",
            "--format",
            "html",
        ],
        focus: None,
        window: (1200, 1800),
    },
];

fn document(shot: &Shot) -> String {
    let run = exits(shot.args, 0);
    String::from_utf8(run.get_output().stdout.clone()).unwrap()
}

fn pngs() -> Vec<&'static str> {
    SHOTS.iter().map(|shot| shot.png).collect()
}

/// The lines of `SOURCES` about these pictures as they should read for the documents as they
/// are now.
fn sources() -> String {
    let mut text = String::new();
    for shot in SHOTS {
        text.push_str(&format!(
            "{} {} outcome {}\n",
            shot.png,
            fingerprint(&document(shot)),
            shot.args.join(" ")
        ));
    }
    text
}

#[test]
fn the_screenshots_show_the_documents_as_they_are_now() {
    let recorded = recorded_sources(&pngs());
    let now = sources();
    assert!(
        recorded == now,
        "a document shown in the README's screenshots has changed since they were taken; \
         render them again with `cargo test --test gallery -- --ignored render_the_screenshots` \
         (needs Chromium) and commit tests/screenshots/.\nrecorded:\n{recorded}\nnow:\n{now}"
    );
    for shot in SHOTS {
        assert_screenshot(&screenshots().join(shot.png), shot.window.0);
    }
}

/// Renders every screenshot and records what it was rendered from.
#[test]
#[ignore = "renders the README's screenshots; run on purpose, with Chromium"]
fn render_the_screenshots() {
    assert!(
        chromium_available("render_the_screenshots"),
        "the screenshots need Chromium"
    );
    let scratch = Scratch::new("gallery");
    std::fs::create_dir_all(screenshots()).unwrap();
    for shot in SHOTS {
        let mut html = document(shot);
        if let Some(focus) = shot.focus {
            html = html.replacen("</style>", &format!("{focus}\n</style>"), 1);
        }
        let page = scratch.0.join(shot.png.replace(".png", ".html"));
        std::fs::write(&page, html).unwrap();
        let png = screenshots().join(shot.png);
        chromium(
            &scratch.0,
            shot.png,
            &page,
            &[
                "--hide-scrollbars".to_string(),
                "--force-device-scale-factor=1".to_string(),
                format!("--window-size={},{}", shot.window.0, shot.window.1),
                format!("--screenshot={}", png.display()),
            ],
        );
        assert_screenshot(&png, shot.window.0);
    }
    record_sources(&pngs(), &sources());
}
