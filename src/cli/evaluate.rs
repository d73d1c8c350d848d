//! `outcome evaluate`: bids held against their specification and compared.

use super::*;

/// `outcome evaluate SPEC BID...`: exit 0 when every bid keeps the specification's rules, 1
/// when any is refused (its diagnostics on stderr, and listed in the evaluation), 2 when the
/// specification cannot be read, does not check or is not one, or a file named is no bid.
pub(super) fn evaluate_bids(args: &EvaluateArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let named: Vec<&Path> = std::iter::once(args.specification.as_path())
        .chain(args.bids.iter().map(PathBuf::as_path))
        .collect();
    refuse_stdin_twice(named.iter().copied())?;
    if is_stdin(named[0]) {
        return Err(Problem::Refused(
            "`evaluate` reads the specification from a file, since each bid names it by its path (`bid \"Bidder\" on \"specification.outcome\"`); save it to a file, or give one bid on standard input instead".into(),
        ));
    }
    let mut paths = Vec::new();
    let mut root = None;
    let mut stdin_at = None;
    for (at, path) in named.iter().enumerate() {
        if is_stdin(path) {
            stdin_at = Some(at);
            paths.push(PathBuf::new());
            continue;
        }
        let (file, found_root) = find_file(path)?;
        root.get_or_insert(found_root);
        paths.push(file);
    }
    let mut workspace = Workspace::at_root(root.unwrap_or_default());
    // A bid on standard input stands in the current folder, as `<stdin>`: the specification
    // it names is found from there.
    if let Some(at) = stdin_at {
        paths[at] = workspace.give(read_stdin_contract()?);
    }
    let mut loaded = Vec::new();
    for (result, path) in workspace.load_all(&paths).into_iter().zip(&named) {
        loaded.push(result.map_err(|error| Problem::Read {
            path: PathBuf::from(shown_as(path)),
            error,
        })?);
    }
    let spec = &loaded[0];
    let Ok(spec_contract) = checked(named[0], spec, &[], None, streams, "evaluated")? else {
        return Ok(Exit::CannotRun);
    };
    let spec_tree = crate::syntax::parse(&spec.file).unwrap_or_default();
    if spec_tree.by_kind().bidding.is_empty() {
        return Err(Problem::Refused(format!(
            "`{}` is not a specification: it has no `bidding` block (add one saying what a bid may offer, such as `bidding {{ price at most £500 for STAGE }}`; see `outcome explain E0701`)",
            shown_as(named[0])
        )));
    }
    let spec_path = fs::canonicalize(&paths[0]).map_err(|error| Problem::Read {
        path: named[0].to_path_buf(),
        error,
    })?;
    let mut entries = Vec::new();
    let mut seen = BTreeSet::new();
    for ((bid, path), canonical) in loaded.iter().zip(&named).zip(&paths).skip(1) {
        let real = fs::canonicalize(canonical).ok();
        // `evaluate tender/spec.outcome tender/*.outcome` names the specification among
        // the bids.
        if real.as_ref().is_some_and(|c| *c == spec_path) {
            continue;
        }
        // The same bid twice would rank against itself.
        if let Some(real) = real {
            if !seen.insert(real) {
                return Err(Problem::Refused(format!(
                    "`{}` is named twice: each bid is evaluated once, so name it once",
                    shown_as(path)
                )));
            }
        }
        let tree = crate::syntax::parse(&bid.file).unwrap_or_default();
        let mut diagnostics = bid.compiled.diagnostics.clone();
        match tree.bid() {
            Some(written) => {
                let folder = canonical.parent().unwrap_or(Path::new("."));
                let names_spec = fs::canonicalize(folder.join(&written.specification.value))
                    .is_ok_and(|named| named == spec_path);
                if !names_spec && !bid.compiled.has_errors() {
                    diagnostics.push(crate::evaluate::another_specification(
                        written,
                        &bid.file.name,
                        &spec.file.name,
                    ));
                }
            }
            None if bid.compiled.has_errors() => {}
            None => {
                return Err(Problem::Refused(format!(
                    "`{}` is not a bid: a bid is a file `bid \"Bidder\" on \"SPEC\" {{ ... }}`",
                    shown_as(path)
                )))
            }
        }
        streams.human(&bid.file, &diagnostics);
        entries.push(
            match (
                &bid.compiled.contract,
                diagnostics.iter().any(Diagnostic::is_error),
            ) {
                (Some(contract), false) => crate::evaluate::Entry::Valid {
                    file: bid.file.name.clone(),
                    contract: contract.clone(),
                },
                _ => crate::evaluate::Entry::Refused(crate::evaluate::RefusedBid {
                    file: bid.file.name.clone(),
                    diagnostics: diagnostics
                        .iter()
                        .filter(|d| d.is_error())
                        .map(|d| Record::new(&bid.file, d))
                        .collect(),
                }),
            },
        );
    }
    let evaluation = crate::evaluate::evaluate(&spec.file.name, &spec_contract, entries);
    let text = match args.format {
        EvaluateFormat::Human => crate::evaluate::render::human(&evaluation),
        EvaluateFormat::Json => crate::evaluate::render::json(&evaluation),
        EvaluateFormat::Html => {
            crate::evaluate::render::html(&evaluation, super::paper(args.paper))
        }
    };
    streams.print(&text)?;
    Ok(if evaluation.refused.is_empty() {
        Exit::Success
    } else {
        Exit::ContractErrors
    })
}
