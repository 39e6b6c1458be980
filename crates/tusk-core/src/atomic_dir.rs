//! Writing a directory of files so that a crash or a kill never leaves a half-written file.
//!
//! [`write_dir`] has the caller write every file into a fresh temporary sibling directory,
//! fsyncs them, then moves them into place with `rename`, which is atomic per file: each file
//! of the target is, at every moment, either complete and old or complete and new, never
//! truncated. A new target directory appears in one rename. Files of an older save that the
//! new one does not write (listed in `owned`) are removed; other files in the directory are
//! left alone.

use crate::error::{Error, Result};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `dir` through `fill` (which writes files into the directory it is given).
pub fn write_dir(dir: &Path, owned: &[&str], fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let tmp = temporary_sibling(dir)?;
    let result = fill(&tmp).and_then(|()| sync_tree(&tmp)).and_then(|()| move_into_place(&tmp, dir, owned));
    if tmp.exists() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn temporary_sibling(dir: &Path) -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let name = dir.file_name().map_or_else(|| "save".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{name}.tmp-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    Ok(tmp)
}

/// fsync of every file in `dir`, then of `dir` itself.
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_file() {
            File::open(&path).and_then(|f| f.sync_all()).map_err(|e| Error::io(&path, e))?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(|e| Error::io(dir, e))
}

fn move_into_place(tmp: &Path, dir: &Path, owned: &[&str]) -> Result<()> {
    if !dir.exists() {
        fs::rename(tmp, dir).map_err(|e| Error::io(dir, e))?;
        return sync_dir(dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")));
    }
    if !dir.is_dir() {
        return Err(Error::io(dir, std::io::Error::new(std::io::ErrorKind::AlreadyExists, "exists and is not a directory")));
    }
    let mut written = Vec::new();
    for entry in fs::read_dir(tmp).map_err(|e| Error::io(tmp, e))? {
        let name = entry.map_err(|e| Error::io(tmp, e))?.file_name();
        let to = dir.join(&name);
        fs::rename(tmp.join(&name), &to).map_err(|e| Error::io(&to, e))?;
        written.push(name);
    }
    for stale in owned.iter().filter(|o| !written.iter().any(|w| w == **o)) {
        let path = dir.join(stale);
        if path.is_file() {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tusk-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_failed_write_leaves_the_old_files_whole_and_no_temporary() {
        let root = scratch("fail");
        let dir = root.join("model");
        write_dir(&dir, &["a", "b"], |t| fs::write(t.join("a"), "old a").and_then(|()| fs::write(t.join("b"), "old b")).map_err(|e| Error::io(t, e))).unwrap();
        let e = write_dir(&dir, &["a", "b"], |t| {
            fs::write(t.join("a"), "").unwrap(); // begun, then the process "dies"
            Err(Error::data("interrupted"))
        });
        assert!(e.is_err());
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "old a");
        assert_eq!(fs::read_to_string(dir.join("b")).unwrap(), "old b");
        let names: Vec<_> = fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["model"], "a temporary directory was left behind");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_new_save_replaces_owned_files_and_keeps_the_users() {
        let root = scratch("replace");
        let dir = root.join("model");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        fs::write(dir.join("b"), "stale").unwrap();
        write_dir(&dir, &["a", "b"], |t| fs::write(t.join("a"), "new a").map_err(|e| Error::io(t, e))).unwrap();
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "new a");
        assert!(!dir.join("b").exists(), "a file the new save does not write is removed");
        assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
        fs::remove_dir_all(&root).unwrap();
    }
}
