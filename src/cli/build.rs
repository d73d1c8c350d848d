//! `outcome build`: a checked contract written as JSON or HTML.

use super::*;

pub(super) fn build(args: &BuildArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let output = args.output.as_deref();
    refuse_overwrite(output, [args.file.as_path()])?;
    let (loaded, inputs) = load(&args.file)?;
    refuse_overwrite(output, inputs.iter().map(PathBuf::as_path))?;
    let (file, compiled) = (&loaded.file, &loaded.compiled);
    streams.human(file, &compiled.diagnostics);
    if compiled.has_errors() {
        let mut tally = Tally::default();
        tally.add(&compiled.diagnostics);
        streams.remark(&format!(
            "not built: `{}` has {}; nothing written\n",
            shown_as(&args.file),
            count(tally.errors, "error")
        ));
        return Ok(Exit::ContractErrors);
    }
    let Some(contract) = &compiled.contract else {
        return Err(Problem::NoContract {
            path: args.file.clone(),
        });
    };
    let document = args.format.emit(contract, super::paper(args.paper));
    match &args.output {
        Some(path) => fs::write(path, document).map_err(|error| Problem::Write {
            path: path.clone(),
            error,
        })?,
        None => streams.print(&document)?,
    }
    Ok(Exit::Success)
}
