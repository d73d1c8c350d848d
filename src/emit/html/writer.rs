//! A small HTML writer with one way in for text: `escape`.
//!
//! Markup comes only from `&'static str` (tag names, attribute names and fixed fragments
//! written in this crate); everything else — the contract's text, identifiers, figures and
//! computed geometry — goes through `escape`, whether it lands in an element or in an
//! attribute value, in HTML or in SVG. The type of each method is what keeps user text out of
//! markup: there is no method that takes a `String` and writes it unescaped.

/// The paper a document prints on. Everything else about print (margins, what stays together,
/// the running header and page numbers) is the same on both; only the page's size differs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Paper {
    /// 210 × 297 mm, the paper of UK and European contracts.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 inches.
    Letter,
}

impl Paper {
    /// The rule that sets the printed page's size; written after every other stylesheet.
    fn css(self) -> &'static str {
        match self {
            Paper::A4 => "\n@page { size: A4; }\n",
            Paper::Letter => "\n@page { size: letter; }\n",
        }
    }
}

/// Where the first date in `text` is, as byte offsets: four digits, a hyphen and two digits
/// (a month), and a hyphen and two more (a day) if they follow, not inside a longer run of
/// digits or letters.
fn next_date(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let digits = |from: usize, n: usize| {
        bytes
            .get(from..from + n)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let hyphen = |at: usize| bytes.get(at) == Some(&b'-');
    let word = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_alphanumeric);
    (0..bytes.len()).find_map(|start| {
        if (start > 0 && word(start - 1)) || !digits(start, 4) || !hyphen(start + 4) {
            return None;
        }
        if !digits(start + 5, 2) {
            return None;
        }
        let mut end = start + 7;
        if hyphen(end) && digits(end + 1, 2) {
            end += 3;
        }
        (!word(end)).then_some((start, end))
    })
}

/// Escape text for an HTML or SVG element body or a double-quoted attribute value, and
/// isolate its right-to-left runs.
///
/// The five characters that can end a text run, open a tag or an entity, or close an
/// attribute value of either quoting style are replaced by entities, so `</style>` in text
/// becomes `&lt;/style&gt;` and can never close an element.
///
/// Text must not reorder the text around it either: a right-to-left override (U+202E) in a
/// description would show the figures after it backwards (`£1,075` as `570,1£`), and even
/// plain Hebrew or Arabic moves a number that follows it to its left. So the characters that
/// open or close an embedding, override or isolate, other control characters (but tab and line
/// breaks) and the line and paragraph separators are written as visible escapes (`\u{202e}`, as
/// `inert::escape` does for the terminal), and each run of right-to-left text is wrapped in a
/// right-to-left isolate (U+2067 … U+2069): to the text outside it the run is one neutral
/// character, so nothing outside it moves, while inside it reads right to left as it should.
/// A run starts and ends with a right-to-left character and holds whatever lies between them
/// short of a left-to-right letter or a line break, so digits inside Hebrew or Arabic text stay
/// with it and a figure after it stays where it is. Doing this here, where all text enters the
/// document, covers element bodies and attribute values, HTML and SVG, and text composed of
/// the contract's words and computed figures alike; text without right-to-left characters is
/// unchanged.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((at, ch)) = chars.next() {
        if !is_right_to_left(ch) {
            push_escaped(&mut out, ch);
            continue;
        }
        // The run ends after its last right-to-left character before anything that ends it.
        let mut end = at + ch.len_utf8();
        let mut rest = chars.clone();
        while let Some((next_at, next)) = rest.next() {
            if ends_a_right_to_left_run(next) {
                break;
            }
            if is_right_to_left(next) {
                end = next_at + next.len_utf8();
                chars = rest.clone();
            }
        }
        out.push(RIGHT_TO_LEFT_ISOLATE);
        text[at..end]
            .chars()
            .for_each(|ch| push_escaped(&mut out, ch));
        out.push(POP_DIRECTIONAL_ISOLATE);
    }
    out
}

const RIGHT_TO_LEFT_ISOLATE: char = '\u{2067}';
const POP_DIRECTIONAL_ISOLATE: char = '\u{2069}';

fn push_escaped(out: &mut String, ch: char) {
    match ch {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        '\t' | '\n' | '\r' => out.push(ch),
        _ if crate::inert::needs_escape(ch) => {
            crate::inert::escape_into(out, ch.encode_utf8(&mut [0; 4]));
        }
        _ => out.push(ch),
    }
}

/// A character of a right-to-left script (Hebrew, Arabic, Syriac, Thaana, N'Ko and the
/// others Unicode places in these blocks, whose characters are right-to-left or Arabic
/// numbers), or a right-to-left or Arabic letter mark. Bidirectional formatting characters
/// are escaped before this is asked.
fn is_right_to_left(ch: char) -> bool {
    matches!(
        ch,
        '\u{0590}'..='\u{08ff}'
            | '\u{200f}'
            | '\u{fb1d}'..='\u{fdff}'
            | '\u{fe70}'..='\u{fefe}'
            | '\u{10800}'..='\u{10fff}'
            | '\u{1e800}'..='\u{1efff}'
    )
}

/// What a right-to-left run cannot reach across: a left-to-right letter, a line break, or a
/// character that is escaped.
fn ends_a_right_to_left_run(ch: char) -> bool {
    (ch.is_alphabetic() && !is_right_to_left(ch))
        || matches!(ch, '\n' | '\r')
        || crate::inert::needs_escape(ch)
}

/// An HTML document being written, front to back.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

/// Attributes of one element: names are fixed in the crate, values are escaped when written.
pub type Attrs<'a> = &'a [(&'static str, &'a str)];

impl Html {
    pub fn new() -> Html {
        Html::default()
    }

    /// Fixed markup written in this crate. Never user text: the `'static` bound keeps
    /// formatted strings out.
    pub fn raw(&mut self, markup: &'static str) {
        self.out.push_str(markup);
    }

    /// Text, escaped.
    pub fn text(&mut self, text: &str) {
        self.out.push_str(&escape(text));
    }

    /// Text written for the terminal, where a name is set off in backticks (`` cohort
    /// `entrenched` holds 120 ``): each name in a pair of backticks becomes `<code>`, and the
    /// backticks go. Everything is escaped; a backtick left without its pair stays as it is.
    pub fn prose(&mut self, text: &str) {
        for (piece, is_code) in crate::emit::prose_pieces(text) {
            if is_code {
                self.element("code", &[], piece);
            } else {
                self.text_keeping_dates(piece);
            }
        }
    }

    /// Text, escaped, with each date in it (`2026-08-14`, or a month, `2026-08`) in a
    /// `nowrap` span, so that a line never breaks at a date's hyphen.
    pub fn text_keeping_dates(&mut self, text: &str) {
        let mut rest = text;
        while let Some((start, end)) = next_date(rest) {
            self.text(&rest[..start]);
            self.raw("<span class=\"nowrap\">");
            self.text(&rest[start..end]);
            self.raw("</span>");
            rest = &rest[end..];
        }
        self.text(rest);
    }

    /// `<tag>` holding `prose`.
    pub fn prose_element(&mut self, tag: &'static str, attrs: Attrs, text: &str) {
        self.open(tag, attrs);
        self.prose(text);
        self.close(tag);
    }

    /// `<tag a="v">`, every value escaped.
    pub fn open(&mut self, tag: &'static str, attrs: Attrs) {
        self.out.push('<');
        self.out.push_str(tag);
        self.attributes(attrs);
        self.out.push('>');
    }

    /// `</tag>`
    pub fn close(&mut self, tag: &'static str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `<tag a="v">text</tag>`
    pub fn element(&mut self, tag: &'static str, attrs: Attrs, text: &str) {
        self.open(tag, attrs);
        self.text(text);
        self.close(tag);
    }

    /// An SVG element without content: `<rect a="v"/>`.
    pub fn empty(&mut self, tag: &'static str, attrs: Attrs) {
        self.out.push('<');
        self.out.push_str(tag);
        self.attributes(attrs);
        self.out.push_str("/>");
    }

    /// A line break in the source, to keep the document (and its snapshot) readable.
    pub fn nl(&mut self) {
        self.out.push('\n');
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// The start of a printable document, up to and including `<main class="{main_class}">`:
    /// the head (`title`, a policy under which nothing is fetched and no script runs, the
    /// stylesheets in order) and a presentation table whose head, the running header (two
    /// spans), repeats at the top of every printed page; on screen the table is laid out as
    /// plain blocks and its head is hidden. `end_document` closes it.
    pub fn begin_document(
        &mut self,
        title: &str,
        stylesheets: &[&'static str],
        paper: Paper,
        running_header: [&str; 2],
        main_class: &'static str,
    ) {
        self.raw("<!DOCTYPE html>\n");
        self.open("html", &[("lang", "en-GB")]);
        self.nl();
        self.raw("<head>\n<meta charset=\"utf-8\">\n");
        self.raw(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'\">\n",
        );
        self.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        self.raw("<meta name=\"generator\" content=\"outcome\">\n");
        self.element("title", &[], title);
        self.nl();
        self.raw("<style>");
        for css in stylesheets {
            self.raw(css);
        }
        self.raw(paper.css());
        self.raw("</style>\n</head>\n<body>\n");
        self.raw("<table class=\"print-frame\" role=\"presentation\">\n<thead aria-hidden=\"true\"><tr><td><div class=\"running-header\">");
        for part in running_header {
            self.element("span", &[], part);
        }
        self.raw("</div></td></tr></thead>\n<tbody><tr><td>\n");
        self.open("main", &[("class", main_class)]);
        self.nl();
    }

    /// The end of a document begun by `begin_document`.
    pub fn end_document(&mut self) {
        self.raw("</main>\n</td></tr></tbody>\n</table>\n</body>\n</html>\n");
    }

    fn attributes(&mut self, attrs: Attrs) {
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.out.push_str(&escape(value));
            self.out.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_sets_names_in_backticks_as_code_and_escapes_the_rest() {
        let mut html = Html::new();
        html.prose("cohort `entrenched` holds 120; `<P1>` & `x");
        assert_eq!(
            html.finish(),
            "cohort <code>entrenched</code> holds 120; <code>&lt;P1&gt;</code> &amp; `x"
        );
    }

    #[test]
    fn prose_keeps_each_date_on_one_line() {
        let mut html = Html::new();
        html.prose("full on 2026-08-14; P000121 entered on 2026-09-01, reached in 2027-07.");
        assert_eq!(
            html.finish(),
            "full on <span class=\"nowrap\">2026-08-14</span>; P000121 entered on <span \
             class=\"nowrap\">2026-09-01</span>, reached in <span class=\"nowrap\">2027-07</span>."
        );
        // Not a date: inside a longer run of digits or letters, or without its month.
        for text in ["12026-08", "P2026-08", "2026-081", "2026-8", "2026-08x"] {
            assert_eq!(next_date(text), None, "{text}");
        }
        assert_eq!(next_date("to 2026-08-1"), Some((3, 10)));
    }

    #[test]
    fn escape_replaces_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("£120,000 – ok"), "£120,000 – ok");
    }

    #[test]
    fn bidi_controls_are_escaped_and_right_to_left_runs_isolated() {
        // An override would show the figure after it backwards.
        assert_eq!(escape("Rent \u{202e}x £1,075"), "Rent \\u{202e}x £1,075");
        // A closing isolate in the text cannot close the isolate around it.
        assert_eq!(
            escape("\u{2069}\u{2066}שלום"),
            "\\u{2069}\\u{2066}\u{2067}שלום\u{2069}"
        );
        // Hebrew with a number inside is one run; the figure after it stays outside.
        assert_eq!(
            escape("שלום 12 עולם: £1,075 paid"),
            "\u{2067}שלום 12 עולם\u{2069}: £1,075 paid"
        );
        // Two runs with English between are two isolates.
        assert_eq!(escape("א and ב"), "\u{2067}א\u{2069} and \u{2067}ב\u{2069}");
        // Control characters are shown; line breaks and tabs are kept.
        assert_eq!(
            escape("a\x1b\u{85}\u{2029}\n\tb"),
            "a\\u{1b}\\u{85}\\u{2029}\n\tb"
        );
        assert_eq!(escape("x=\"12.5\""), "x=&quot;12.5&quot;");
    }

    #[test]
    fn attribute_values_are_escaped() {
        let mut html = Html::new();
        html.element("p", &[("title", "\"><script>")], "</p>");
        assert_eq!(
            html.finish(),
            "<p title=\"&quot;&gt;&lt;script&gt;\">&lt;/p&gt;</p>"
        );
    }
}
