//! Where the sink's console lines go, swappable so tests can capture what a run printed.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where console lines go: stdout for the report, stderr for everything else.
pub struct Console {
    pub(super) out: Box<dyn Write + Send>,
    pub(super) err: Box<dyn Write + Send>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Console")
    }
}

impl Console {
    /// The process's stdout and stderr.
    pub fn std() -> Self {
        Self::new(std::io::stdout(), std::io::stderr())
    }

    /// Any pair of writers.
    pub fn new(out: impl Write + Send + 'static, err: impl Write + Send + 'static) -> Self {
        Self {
            out: Box::new(out),
            err: Box::new(err),
        }
    }

    /// Writers that keep what is written, for tests: `(console, stdout, stderr)`.
    pub fn capture() -> (Self, Capture, Capture) {
        let out = Capture::default();
        let err = Capture::default();
        (Self::new(out.clone(), err.clone()), out, err)
    }
}

/// An in-memory writer whose clones share one buffer.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Everything written so far, as text.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
