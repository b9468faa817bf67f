//! The per-request part of `gobstopper.staticfiles.StaticFiles`: refuse unsafe paths,
//! pick a precompressed variant the client accepts, `stat` it and answer from the cache
//! while the file's identity (device, inode, mtime, size) holds.
//!
//! Building an entry (real path, headers, validators) stays in Python and runs only when
//! a file is new or changed, so both implementations produce the same entries.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyString;

const ENCODINGS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];
const CACHE_LIMIT: usize = 4096;

type Identity = (u64, u64, i128, u64);
type Cache = HashMap<String, (Identity, Py<PyAny>)>;

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

/// The codings of an `Accept-Encoding` header, without those given `q=0`; the same
/// parse as `gobstopper.staticfiles._accepted_encodings`.
pub fn accepted_encodings(header: &str) -> Vec<String> {
    let mut accepted = Vec::new();
    for item in header.split(',') {
        let (coding, params) = item.split_once(';').unwrap_or((item, ""));
        let quality: String = py_strip(params).chars().filter(|c| *c != ' ').collect();
        if let Some(value) = quality.strip_prefix("q=") {
            if value.trim_matches(|c| c == '0' || c == '.').is_empty() {
                continue;
            }
        }
        accepted.push(py_strip(coding).to_lowercase());
    }
    accepted
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
}

#[pymethods]
impl StaticFiles {
    /// `build(path, original, encoding)` makes the entry of a new or changed file (or
    /// `None`); `fallback(path, accept_encoding)` answers paths that are not UTF-8.
    #[new]
    fn new(
        root: String,
        allow_hidden: bool,
        precompressed: bool,
        build: Py<PyAny>,
        fallback: Py<PyAny>,
    ) -> Self {
        StaticFiles {
            root,
            allow_hidden,
            precompressed,
            build,
            fallback,
            cache: Mutex::new(Default::default()),
        }
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
        if self.precompressed {
            if let Some(header) = accept_encoding.filter(|header| !header.is_empty()) {
                let accepted = accepted_encodings(header);
                for (slot, (coding, suffix)) in ENCODINGS.into_iter().enumerate() {
                    if accepted.iter().any(|item| item == coding) {
                        let variant = format!("{path}{suffix}");
                        if let Some(entry) = self.entry(py, &variant, path, slot + 1)? {
                            return Ok(entry);
                        }
                    }
                }
            }
        }
        Ok(self.entry(py, path, path, 0)?.unwrap_or_else(|| py.None()))
    }

    /// Forget every cached entry.
    fn clear(&self) {
        for cache in self.cache.lock().expect("static cache lock").iter_mut() {
            cache.clear();
        }
    }
}

impl StaticFiles {
    /// The entry of `path` served with the coding in `slot` (0: none, else `ENCODINGS`).
    fn entry(
        &self,
        py: Python<'_>,
        path: &str,
        original: &str,
        slot: usize,
    ) -> PyResult<Option<Py<PyAny>>> {
        let Some(current) = identity(&format!("{}/{path}", self.root)) else {
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
    use super::{accepted_encodings, is_safe_relative};

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
        assert_eq!(
            accepted_encodings("gzip;q=0, BR ; q=0.5, identity"),
            ["br", "identity"]
        );
        assert_eq!(accepted_encodings("br;q=0.000"), Vec::<String>::new());
    }
}
