//! `outcome completions`, `outcome man` and `outcome explain`: the tool describing itself.

use super::*;

/// `outcome completions SHELL`: the shell's completion script, generated from the one
/// command-line definition, so it cannot fall behind it.
pub(super) fn completions(
    shell: clap_complete::Shell,
    streams: &mut Streams,
) -> Result<Exit, Problem> {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "outcome", &mut script);
    streams.print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}

/// `outcome man`: the manual page as roff: the synopsis, the description and the global
/// options as clap_mangen renders them, then a COMMANDS section with each subcommand, what it
/// does and its options (clap_mangen would refer to a page per subcommand, which `outcome`
/// does not install), then the examples and exit status, and the version.
pub(super) fn manual(streams: &mut Streams) -> Result<Exit, Problem> {
    use clap::CommandFactory;
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)
        .and_then(|()| man.render_name_section(&mut page))
        .and_then(|()| man.render_synopsis_section(&mut page))
        .and_then(|()| man.render_description_section(&mut page))
        .and_then(|()| man.render_options_section(&mut page))
        .map_err(Problem::Stdout)?;
    let mut commands = String::from(".SH COMMANDS\n");
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        commands.push_str(&format!(".SS \"outcome {}\"\n", roff_text(sub.get_name())));
        if let Some(about) = sub.get_about() {
            commands.push_str(&format!("{}\n", roff_text(&about.to_string())));
        }
        let args = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set());
        for arg in args {
            let name = match (arg.get_long(), arg.get_short()) {
                (Some(long), Some(short)) => format!("-{short}, --{long}"),
                (Some(long), None) => format!("--{long}"),
                (None, Some(short)) => format!("-{short}"),
                (None, None) => match arg.get_value_names() {
                    Some([value, ..]) => format!("<{value}>"),
                    _ => format!("<{}>", arg.get_id()),
                },
            };
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            commands.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                roff_text(&name),
                roff_text(&help)
            ));
        }
    }
    page.extend_from_slice(commands.as_bytes());
    man.render_extra_section(&mut page)
        .and_then(|()| man.render_version_section(&mut page))
        .map_err(Problem::Stdout)?;
    streams.print(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Success)
}

/// Text as roff reads it literally: a backslash and a minus escaped, and no line starting
/// with a control character (`.` or `'`).
pub(super) fn roff_text(text: &str) -> String {
    text.replace('\\', "\\e")
        .replace('-', "\\-")
        .lines()
        .map(|line| {
            if line.starts_with(['.', '\'']) {
                format!("\\&{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// explain

pub(super) fn explain(args: &ExplainArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    if args.list {
        streams.print(&code_list())?;
        return Ok(Exit::Success);
    }
    let text = args.code.as_deref().unwrap_or_default();
    let code = Code::parse(text).ok_or_else(|| Problem::UnknownCode(text.trim().to_string()))?;
    let mut page = format!("{code}: {}\n", code.title());
    let explanation = diagnostic::explanation(code).trim();
    if !explanation.is_empty() {
        page.push('\n');
        page.push_str(explanation);
        page.push('\n');
    }
    streams.print(&page)?;
    Ok(Exit::Success)
}

/// One line per code: `E0302  error    funnel widens`.
pub(super) fn code_list() -> String {
    let mut list = String::new();
    for code in Code::ALL {
        let severity = match code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        list.push_str(&format!("{code}  {severity:<7}  {}\n", code.title()));
    }
    list
}
