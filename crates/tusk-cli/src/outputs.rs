//! Output paths checked before any training: a run must not be thrown away at its end
//! because `--save`, `--report-json`, `--plot` or `--checkpoint-dir` cannot be written.
//! A probe file is written and removed where each output will go; missing parent
//! directories are created, as the writes at the end would.

use anyhow::{bail, Context, Result};
use std::path::Path;

/// Where an output goes: a directory the run fills, or one file.
pub enum Output<'a> {
    Dir(&'static str, &'a Path),
    File(&'static str, &'a Path),
}

/// Checks every output that was given; the error names the option and the path.
pub fn check<'a>(outputs: &[Option<Output<'a>>]) -> Result<()> {
    for out in outputs.iter().flatten() {
        let parent = |p: &'a Path| p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        // Probed where the output will be written: inside an existing directory, else in the
        // directory that will hold the new file or directory (nothing is created for it yet).
        let (flag, path, dir) = match *out {
            Output::Dir(flag, p) if p.exists() && !p.is_dir() => bail!("{flag} {}: exists and is not a directory", p.display()),
            Output::File(flag, p) if p.is_dir() => bail!("{flag} {}: is a directory, not a file", p.display()),
            Output::Dir(flag, p) if p.exists() => (flag, p, p),
            Output::Dir(flag, p) | Output::File(flag, p) => (flag, p, parent(p)),
        };
        if dir.exists() && !dir.is_dir() {
            bail!("{flag} {}: {} exists and is not a directory", path.display(), dir.display());
        }
        std::fs::create_dir_all(dir).with_context(|| format!("{flag} {}: cannot create {}", path.display(), dir.display()))?;
        let probe = dir.join(format!(".tusk-write-probe-{}", std::process::id()));
        std::fs::write(&probe, b"").with_context(|| format!("{flag} {}: cannot write in {}", path.display(), dir.display()))?;
        let _ = std::fs::remove_file(&probe);
    }
    Ok(())
}
