//! `outcome diff`: two versions of a contract, each a file or `REV:PATH`, compared.

use super::*;

/// `outcome diff OLD NEW`: exit 0 when the two versions mean the same, 1 when they differ,
/// 2 when either cannot be read or does not check clean (its diagnostics on stderr).
pub(super) fn compare_versions(args: &DiffArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let old = version(&args.old, streams)?;
    let new = version(&args.new, streams)?;
    let (Ok(old), Ok(new)) = (old, new) else {
        return Ok(Exit::CannotRun);
    };
    let diff = crate::diff::diff(&args.old, &args.new, &old, &new);
    let text = match args.format {
        DiffFormat::Human => crate::diff::render::human(&diff),
        DiffFormat::Json => crate::diff::render::json(&diff),
        DiffFormat::Markdown => crate::diff::render::markdown_comment(&diff),
        DiffFormat::Html => crate::diff::render::html(&diff, super::paper(args.paper)),
    };
    streams.print(&text)?;
    Ok(if diff.is_empty() {
        Exit::Success
    } else {
        Exit::ContractErrors
    })
}

/// One side of `diff`, checked: a file as `build` reads it, or `REV:PATH` read through git
/// with the files it uses at the same revision. A version with errors gets its diagnostics
/// and `Err`.
pub(super) fn version(arg: &str, streams: &mut Streams) -> Result<Result<Contract, Exit>, Problem> {
    if !crate::diff::revision::is_revision(arg) {
        return Ok(checked_contract(Path::new(arg), None, streams, "compared")?
            .map_err(|_| Exit::CannotRun));
    }
    let (file, compiled) = crate::diff::revision::compile(arg, crate::syntax::MAX_FILE_BYTES)
        .map_err(Problem::Refused)?;
    if compiled.has_errors() {
        streams.human(&file, &compiled.diagnostics);
        let mut tally = Tally::default();
        tally.add(&compiled.diagnostics);
        streams.note(&format!(
            "not compared: `{}` has {}\n",
            crate::inert::escape(arg),
            count(tally.errors, "error")
        ));
        return Ok(Err(Exit::CannotRun));
    }
    match compiled.contract {
        Some(contract) => Ok(Ok(*contract)),
        None => Err(Problem::NoContract {
            path: PathBuf::from(arg),
        }),
    }
}
