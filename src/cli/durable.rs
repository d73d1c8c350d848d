//! A file written to be durable when it is finished, its earlier parts made durable while the
//! rest is still being written.
//!
//! A report's payment lines (`--lines`) can be gigabytes; the report says it has written them
//! only once they are on the disk (`sync_data`), so that a disk that fails them is reported,
//! not found out later. Made durable only at the end, ten million rows' 1.9 GB waited 0.7 s
//! for the disk after the last line was made. Here a thread of its own makes what has been
//! written durable every `SyncingFile::EVERY` bytes, while the lines go on being made, and the
//! end waits only for the rest. The first error of any of these is the error of `finish`: an
//! error the system reports once is never lost because a later sync succeeds.
//!
//! A file that cannot be made durable at all (a pipe, a terminal, `/dev/null`: the system
//! says the request is invalid for it) has nothing to wait for, and is not an error.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;

pub(super) struct SyncingFile {
    file: File,
    /// Bytes written since the syncing thread was last woken, and how many wake it.
    unsynced: u64,
    every: u64,
    syncer: Option<Syncer>,
}

struct Syncer {
    /// Wakes the thread to sync; holds one wake at most (while it syncs, more are not needed).
    wake: mpsc::SyncSender<()>,
    done: JoinHandle<io::Result<()>>,
}

impl SyncingFile {
    /// Bytes written between the syncs started while writing.
    const EVERY: u64 = 128 << 20;

    pub(super) fn new(file: File) -> SyncingFile {
        SyncingFile::syncing_every(file, SyncingFile::EVERY)
    }

    fn syncing_every(file: File, every: u64) -> SyncingFile {
        // Without a second handle (or a thread) the file is made durable at the end only.
        let syncer = file.try_clone().ok().and_then(|handle| {
            let (wake, woken) = mpsc::sync_channel::<()>(1);
            let done = std::thread::Builder::new()
                .name("sync lines".into())
                .spawn(move || {
                    for () in woken {
                        durable(&handle)?;
                    }
                    Ok(())
                })
                .ok()?;
            Some(Syncer { wake, done })
        });
        SyncingFile {
            file,
            unsynced: 0,
            every,
            syncer,
        }
    }

    /// Everything written made durable: after the syncs started while writing (the first
    /// error of any of them, or of this last one).
    pub(super) fn finish(mut self) -> io::Result<File> {
        if let Some(Syncer { wake, done }) = self.syncer.take() {
            drop(wake);
            match done.join() {
                Ok(synced) => synced?,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        durable(&self.file)?;
        Ok(self.file)
    }
}

/// `file` made durable (`sync_data`); a file that cannot be (a pipe, a terminal) is as durable
/// as it will be.
fn durable(file: &File) -> io::Result<()> {
    match file.sync_data() {
        Err(error) if error.kind() == io::ErrorKind::InvalidInput => Ok(()),
        synced => synced,
    }
}

impl Write for SyncingFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.file.write(bytes)?;
        self.unsynced += written as u64;
        if self.unsynced >= self.every {
            self.unsynced = 0;
            if let Some(syncer) = &self.syncer {
                // Full: a sync is already waiting to start. Gone: the thread has stopped at
                // an error, which `finish` gives.
                let _ = syncer.wake.try_send(());
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// What is written is the file, whether or not syncs were started while writing, and a
    /// file that cannot be synced (`/dev/null`) is finished without an error.
    #[test]
    fn a_syncing_file_holds_what_was_written() {
        let dir = std::env::temp_dir().join(format!("outcome-durable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lines.csv");
        let piece: Vec<u8> = (0..100_003_u32).map(|i| (i % 251) as u8).collect();
        let every = 1 << 20;
        let mut file = SyncingFile::syncing_every(File::create(&path).unwrap(), every);
        let mut written = 0_u64;
        while written < 5 * every + 17 {
            file.write_all(&piece).unwrap();
            written += piece.len() as u64;
        }
        drop(file.finish().unwrap());
        let mut read = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut read).unwrap();
        assert_eq!(read.len() as u64, written);
        assert!(read.chunks(piece.len()).all(|chunk| chunk == piece));
        std::fs::remove_dir_all(&dir).unwrap();

        if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
            let mut null = SyncingFile::new(null);
            null.write_all(&piece).unwrap();
            assert!(null.finish().is_ok());
        }
    }
}
