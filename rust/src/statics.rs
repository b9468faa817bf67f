//! The per-request part of `gobstopper.staticfiles.StaticFiles`: refuse unsafe paths,
//! pick a precompressed variant the client accepts, `stat` it and answer from the cache
//! while the file's identity (device, inode, mtime, size) holds.
//!
//! A precompressed variant found missing is not looked for again (no `stat`) for
//! `recheck` after the miss, so a browser's request costs one `stat`, like any other.
//!
//! Building an entry (real path, headers, validators) stays in Python and runs only when
//! a file is new or changed, so both implementations produce the same entries.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;

const ENCODINGS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];
const CACHE_LIMIT: usize = 4096;

type Identity = (u64, u64, i128, u64);
type Cache = HashMap<String, (Identity, Py<PyAny>)>;
/// Per requested path: when a variant was first found missing, and the bits (as in
/// `accepted_codings`) of the variants found missing since.
type Missing = HashMap<String, (Instant, u8)>;

/// Whether `path` (from a URL) is a plain relative path that cannot leave the folder;
/// the same rules as `gobstopper.http.files.is_safe_relative` on POSIX.
pub fn is_safe_relative(path: &str, allow_hidden: bool) -> bool {
    if path.is_empty() || path.contains('\0') || path.contains('\\') || path.starts_with('/') {
        return false;
    }
    path.split('/').all(|part| {
        !(part.is_empty()
            || part == "."
            || part == ".."
            || (!allow_hidden && part.starts_with('.')))
    })
}

/// Which of `ENCODINGS` an `Accept-Encoding` header accepts, one bit per coding (bit 0:
/// `br`, bit 1: `gzip`), codings given `q=0` left out; the same parse as
/// `gobstopper.staticfiles._accepted_encodings`, without allocating. Comparing ASCII
/// case-insensitively matches Python's `lower()` here: no other character lowercases to
/// the letters of `br` or `gzip`.
pub fn accepted_codings(header: &str) -> u8 {
    let mut accepted = 0;
    for item in header.split(',') {
        let (coding, params) = item.split_once(';').unwrap_or((item, ""));
        if zero_quality(params) {
            continue;
        }
        let coding = py_strip(coding);
        for (slot, (name, _)) in ENCODINGS.iter().enumerate() {
            if coding.eq_ignore_ascii_case(name) {
                accepted |= 1 << slot;
            }
        }
    }
    accepted
}

/// Whether the parameters of one coding give it quality zero (`q=0`, `q = 0.000`, `q=`).
fn zero_quality(params: &str) -> bool {
    let mut chars = py_strip(params).chars().filter(|c| *c != ' ');
    chars.next() == Some('q') && chars.next() == Some('=') && chars.all(|c| c == '0' || c == '.')
}

/// `str.strip()`: Python also counts the separators U+001C to U+001F as whitespace.
fn py_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// `(dev, ino, mtime_ns, size)` of a regular file, or `None`.
fn identity(path: &str) -> Option<Identity> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let mtime_ns = i128::from(metadata.mtime()) * 1_000_000_000 + i128::from(metadata.mtime_nsec());
    Some((metadata.dev(), metadata.ino(), mtime_ns, metadata.size()))
}

/// Resolves static file requests below one directory; see the module docs.
#[pyclass(module = "gobstopper_core._native", name = "StaticFiles", frozen)]
pub struct StaticFiles {
    root: String,
    allow_hidden: bool,
    precompressed: bool,
    build: Py<PyAny>,
    fallback: Py<PyAny>,
    /// One map per coding (none, then those of `ENCODINGS`): `app.css.gz` is either a
    /// variant of `app.css` or a file of its own.
    cache: Mutex<[Cache; 3]>,
    missing: Mutex<Missing>,
    recheck: Duration,
}

#[pymethods]
impl StaticFiles {
    /// `build(path, original, encoding)` makes the entry of a new or changed file (or
    /// `None`); `fallback(path, accept_encoding)` answers paths that are not UTF-8;
    /// `recheck` is how many seconds a missing precompressed variant stays presumed missing.
    #[new]
    fn new(
        root: String,
        allow_hidden: bool,
        precompressed: bool,
        build: Py<PyAny>,
        fallback: Py<PyAny>,
        recheck: f64,
    ) -> PyResult<Self> {
        let recheck = Duration::try_from_secs_f64(recheck)
            .map_err(|error| PyValueError::new_err(format!("recheck: {error}")))?;
        Ok(StaticFiles {
            root,
            allow_hidden,
            precompressed,
            build,
            fallback,
            cache: Mutex::new(Default::default()),
            missing: Mutex::new(HashMap::new()),
            recheck,
        })
    }

    /// The entry answering `path` for a client sending `accept_encoding`, or `None`.
    #[pyo3(signature = (path, accept_encoding=None))]
    fn lookup(
        &self,
        py: Python<'_>,
        path: &Bound<'_, PyString>,
        accept_encoding: Option<&Bound<'_, PyString>>,
    ) -> PyResult<Py<PyAny>> {
        let (Ok(path), Ok(accept_encoding)) = (
            path.to_str(),
            accept_encoding.map(|header| header.to_str()).transpose(),
        ) else {
            return self.fallback.call1(py, (path, accept_encoding));
        };
        if !is_safe_relative(path, self.allow_hidden) {
            return Ok(py.None());
        }
        if let Some(header) = accept_encoding.filter(|_| self.precompressed) {
            let accepted = accepted_codings(header);
            let wanted = if accepted == 0 {
                0
            } else {
                accepted & !self.known_missing(path)
            };
            if wanted != 0 {
                let mut variant = String::with_capacity(path.len() + 3);
                for (slot, (_, suffix)) in ENCODINGS.into_iter().enumerate() {
                    if wanted & (1 << slot) != 0 {
                        variant.clear();
                        variant.push_str(path);
                        variant.push_str(suffix);
                        if let Some(entry) = self.entry(py, &variant, path, slot + 1)? {
                            return Ok(entry);
                        }
                        self.record_missing(path, 1 << slot);
                    }
                }
            }
        }
        Ok(self.entry(py, path, path, 0)?.unwrap_or_else(|| py.None()))
    }

    /// Forget every cached entry and every variant found missing.
    fn clear(&self) {
        for cache in self.cache.lock().expect("static cache lock").iter_mut() {
            cache.clear();
        }
        self.missing.lock().expect("static missing lock").clear();
    }
}

impl StaticFiles {
    /// The bits of the variants of `path` found missing less than `recheck` ago.
    fn known_missing(&self, path: &str) -> u8 {
        match self.missing.lock().expect("static missing lock").get(path) {
            Some((since, bits)) if since.elapsed() < self.recheck => *bits,
            _ => 0,
        }
    }

    /// Remember that the variant `bit` of `path` is missing; an expired record starts over.
    fn record_missing(&self, path: &str, bit: u8) {
        let mut missing = self.missing.lock().expect("static missing lock");
        if let Some((since, bits)) = missing.get_mut(path) {
            if since.elapsed() < self.recheck {
                *bits |= bit;
            } else {
                *since = Instant::now();
                *bits = bit;
            }
            return;
        }
        if missing.len() >= CACHE_LIMIT {
            missing.clear();
        }
        missing.insert(path.to_owned(), (Instant::now(), bit));
    }

    /// The entry of `path` served with the coding in `slot` (0: none, else `ENCODINGS`).
    fn entry(
        &self,
        py: Python<'_>,
        path: &str,
        original: &str,
        slot: usize,
    ) -> PyResult<Option<Py<PyAny>>> {
        let mut full = String::with_capacity(self.root.len() + 1 + path.len());
        full.push_str(&self.root);
        full.push('/');
        full.push_str(path);
        let Some(current) = identity(&full) else {
            return Ok(None);
        };
        if let Some((known, entry)) = self.cache.lock().expect("static cache lock")[slot].get(path)
        {
            if *known == current {
                return Ok(Some(entry.clone_ref(py)));
            }
        }
        let encoding = slot.checked_sub(1).map(|index| ENCODINGS[index].0);
        let built = self.build.call1(py, (path, original, encoding))?;
        if built.is_none(py) {
            return Ok(None);
        }
        let known: Identity = built.getattr(py, "identity")?.extract(py)?;
        let mut caches = self.cache.lock().expect("static cache lock");
        let cache = &mut caches[slot];
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(path.to_owned(), (known, built.clone_ref(py)));
        Ok(Some(built))
    }
}

#[cfg(test)]
mod tests {
    use super::{accepted_codings, is_safe_relative};

    #[test]
    fn unsafe_paths_are_refused() {
        for path in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a/./b",
            "a\\b",
            "a\0b",
            ".env",
            "a/.git/x",
        ] {
            assert!(!is_safe_relative(path, false), "{path:?}");
        }
        assert!(is_safe_relative("css/site.css", false));
        assert!(is_safe_relative(".well-known/x", true));
    }

    #[test]
    fn zero_quality_codings_are_not_accepted() {
        assert_eq!(accepted_codings("gzip;q=0, BR ; q=0.5, identity"), 0b01);
        assert_eq!(accepted_codings("br;q=0.000, gzip; q = 0"), 0);
        assert_eq!(accepted_codings("deflate, gzip, br"), 0b11);
        assert_eq!(accepted_codings("gzip;q=, br;q=1"), 0b01);
    }
}
