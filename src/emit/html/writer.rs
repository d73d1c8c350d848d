//! A small HTML writer with one way in for text: `escape`.
//!
//! Markup comes only from `&'static str` (tag names, attribute names and fixed fragments
//! written in this crate); everything else — the contract's text, identifiers, figures and
//! computed geometry — goes through `escape`, whether it lands in an element or in an
//! attribute value, in HTML or in SVG. The type of each method is what keeps user text out of
//! markup: there is no method that takes a `String` and writes it unescaped.

/// Escape text for an HTML or SVG element body or a double-quoted attribute value.
///
/// The five characters that can end a text run, open a tag or an entity, or close an
/// attribute value of either quoting style are replaced by entities; nothing else changes, so
/// `</style>` in text becomes `&lt;/style&gt;` and can never close an element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
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
    fn escape_replaces_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("£120,000 – ok"), "£120,000 – ok");
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
