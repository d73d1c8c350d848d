//! `outcome new`: a starter contract, printed or written to a new file.

use super::*;

/// `outcome new`: the starter contract of the shape asked for, printed, or written to a file
/// that does not exist yet. The file is created in one step that fails if anything (a file, a
/// folder, a link) is already there, so nothing is ever written over; no folder is created.
pub(super) fn starter(args: &NewArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let shape = args.shape.shape();
    let text = crate::new::starter(shape, args.title.as_deref())
        .map_err(|why| Problem::Refused(format!("not written: {why}")))?;
    let path = match &args.path {
        Some(path) if !is_stdin(path) => path,
        _ => return streams.print(&text).map(|()| Exit::Success),
    };
    let created = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let mut file = match created {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            return Err(Problem::Refused(format!(
                "`{}` already exists, and `outcome new` never writes over a file: name a new file, or move `{}` out of the way first",
                files::shown(path),
                files::shown(path)
            )));
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let folder = path.parent().map(files::shown).unwrap_or_default();
            return Err(Problem::Refused(format!(
                "cannot write `{}`: the folder `{folder}` does not exist, and `outcome new` creates no folder: create it first, or name a file in a folder that exists",
                files::shown(path)
            )));
        }
        Err(error) => {
            return Err(Problem::Write {
                path: path.clone(),
                error,
            })
        }
    };
    if let Err(error) = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
    {
        // The file is this command's own, created above: a half-written starter is removed.
        drop(file);
        let _ = fs::remove_file(path);
        return Err(Problem::Write {
            path: path.clone(),
            error,
        });
    }
    let shown = files::shown(path);
    streams.remark(&format!(
        "wrote `{shown}`: {}; check it with `outcome check {shown}`\n",
        shape.described()
    ));
    if path.extension().is_none_or(|e| e != files::EXTENSION) {
        streams.remark(&format!(
            "note: `{shown}` does not end in `.{}`, so a folder search (`outcome check .`) will not find it\n",
            files::EXTENSION
        ));
    }
    Ok(Exit::Success)
}
