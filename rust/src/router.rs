//! The dynamic half of Gobstopper's router: a segment trie walked with the same
//! precedence and backtracking as `gobstopper.routing.router._walk`.
//!
//! Static rules never reach this code (Python answers them with one dict lookup).
//! Converters the trie does not know natively are called back in Python, so custom and
//! mixed (`file.<ext>`) segments keep their exact Python behaviour.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple};

/// How a segment matches, as the Python side declares it when a rule is added: the one
/// definition of the kinds, which Python reads as `Router.SEGMENT_KINDS` (name → id).
/// `string`, `int`, `float` and `path` are the converters of those names, done here;
/// `callback` calls a converter back in Python, `mixed` a matcher of text and placeholders.
const STATIC: u8 = 0;
const STRING: u8 = 1;
const INT: u8 = 2;
const FLOAT: u8 = 3;
const PATH: u8 = 4;
const CALLBACK: u8 = 5;
const MIXED: u8 = 6;
const SEGMENT_KINDS: [(&str, u8); 7] = [
    ("static", STATIC),
    ("string", STRING),
    ("int", INT),
    ("float", FLOAT),
    ("path", PATH),
    ("callback", CALLBACK),
    ("mixed", MIXED),
];

enum Matcher {
    String,
    Int,
    Float,
    Path,
    /// A single-placeholder segment whose converter lives in Python: `to_python(text)`.
    Callback(Py<PyAny>),
    /// A segment mixing text and placeholders: `match(text) -> dict | None`.
    Mixed(Py<PyAny>),
}

struct Edge {
    text: String,
    matcher: Matcher,
    name: Py<PyString>,
    priority: i64,
    child: Node,
}

/// FNV-1a over a segment's bytes: the static children of a node are the application's
/// own few segments, fixed before serving, so a lookup needs no keyed hash (SipHash was
/// about 6% of a lookup).
struct SegmentHasher(u64);

impl Default for SegmentHasher {
    fn default() -> Self {
        SegmentHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for SegmentHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Default)]
struct Node {
    fixed: HashMap<String, Node, BuildHasherDefault<SegmentHasher>>,
    dynamic: Vec<Edge>,
    endpoints: Option<Py<PyAny>>,
}

type Params<'py> = Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>;

/// Path → the endpoints object registered for it, plus converted path parameters.
#[pyclass(module = "gobstopper_core._native", name = "Router")]
pub struct Router {
    root: Node,
    fallback: Py<PyAny>,
}

#[pymethods]
impl Router {
    /// The segment kinds `insert` takes: name → the id a segment carries.
    #[classattr]
    #[pyo3(name = "SEGMENT_KINDS")]
    fn segment_kinds() -> HashMap<&'static str, u8> {
        SEGMENT_KINDS.into_iter().collect()
    }

    /// `fallback(path)` answers for paths that are not valid UTF-8 (lone surrogates).
    #[new]
    fn new(fallback: Py<PyAny>) -> Self {
        Router {
            root: Node::default(),
            fallback,
        }
    }

    /// Register `endpoints` (returned as is by `match`) for a rule given as segments of
    /// `(kind, text, name, priority, callback)`.
    fn insert(&mut self, segments: &Bound<'_, PyAny>, endpoints: Py<PyAny>) -> PyResult<()> {
        let mut node = &mut self.root;
        for item in segments.try_iter()? {
            let item = item?;
            let spec = item.cast::<PyTuple>()?;
            let (kind, text, name, priority, callback): (
                u8,
                String,
                Bound<'_, PyString>,
                i64,
                Bound<'_, PyAny>,
            ) = spec.extract()?;
            node = if kind == STATIC {
                node.fixed.entry(text).or_default()
            } else {
                child_for(node, kind, text, name, priority, callback)?
            };
        }
        node.endpoints = Some(endpoints);
        Ok(())
    }

    /// `(endpoints, params)` for `path`, or `None` when no dynamic rule matches.
    fn match_dynamic(&self, py: Python<'_>, path: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        let Ok(text) = path.to_str() else {
            return self.fallback.call1(py, (path,));
        };
        match self.lookup(py, text)? {
            None => Ok(py.None()),
            Some((endpoints, params)) => Ok(PyTuple::new(py, [endpoints, params.into_any()])?
                .into_any()
                .unbind()),
        }
    }
}

impl Router {
    /// The endpoints and parameters of the UTF-8 path `text`, as `match_dynamic` gives
    /// them (the dispatcher calls this directly, without the tuple).
    pub(crate) fn lookup<'py>(
        &self,
        py: Python<'py>,
        text: &str,
    ) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyDict>)>> {
        let Some(rest) = text.strip_prefix('/') else {
            return Ok(None);
        };
        let mut walk = Walk {
            py,
            rest,
            segments: segments_of(rest),
            params: Params::new(),
        };
        let Some(endpoints) = walk.walk(&self.root, 0)? else {
            return Ok(None);
        };
        let found = PyDict::new(py);
        for (name, value) in walk.params {
            found.set_item(name, value)?;
        }
        Ok(Some((endpoints.bind(py).clone(), found)))
    }
}

fn child_for<'n>(
    node: &'n mut Node,
    kind: u8,
    text: String,
    name: Bound<'_, PyString>,
    priority: i64,
    callback: Bound<'_, PyAny>,
) -> PyResult<&'n mut Node> {
    if let Some(index) = node.dynamic.iter().position(|edge| edge.text == text) {
        return Ok(&mut node.dynamic[index].child);
    }
    let matcher = match kind {
        STRING => Matcher::String,
        INT => Matcher::Int,
        FLOAT => Matcher::Float,
        PATH => Matcher::Path,
        CALLBACK => Matcher::Callback(callback.unbind()),
        MIXED => Matcher::Mixed(callback.unbind()),
        other => {
            return Err(PyTypeError::new_err(format!(
                "unknown segment kind {other}"
            )))
        }
    };
    let edge = Edge {
        text: text.clone(),
        matcher,
        name: name.unbind(),
        priority,
        child: Node::default(),
    };
    // Stable, like Python's list.sort: equal priorities keep their registration order.
    let at = node
        .dynamic
        .partition_point(|existing| existing.priority <= priority);
    node.dynamic.insert(at, edge);
    Ok(&mut node.dynamic[at].child)
}

/// The segments of a path without its leading `/`, as `str.split("/")` gives them.
fn segments_of(rest: &str) -> Vec<&str> {
    let mut segments = Vec::with_capacity(8);
    let mut start = 0;
    for (at, byte) in rest.bytes().enumerate() {
        if byte == b'/' {
            segments.push(&rest[start..at]);
            start = at + 1;
        }
    }
    segments.push(&rest[start..]);
    segments
}

/// One lookup: the path's segments and the parameters found so far (pushed on the way
/// back from a match, deepest first, exactly as the Python walk fills its dict).
struct Walk<'p, 's> {
    py: Python<'p>,
    /// The path without its leading `/`, which every segment is a slice of.
    rest: &'s str,
    segments: Vec<&'s str>,
    params: Params<'p>,
}

type Found<'n> = PyResult<Option<&'n Py<PyAny>>>;

impl Walk<'_, '_> {
    /// Where segment `index` starts in `rest`.
    fn offset_of(&self, index: usize) -> usize {
        self.segments[index].as_ptr() as usize - self.rest.as_ptr() as usize
    }

    fn next<'n>(&mut self, child: &'n Node, index: usize) -> Found<'n> {
        if index == self.segments.len() {
            Ok(child.endpoints.as_ref())
        } else {
            self.walk(child, index)
        }
    }

    fn walk<'n>(&mut self, node: &'n Node, index: usize) -> Found<'n> {
        let py = self.py;
        let segment = self.segments[index];
        if let Some(child) = node.fixed.get(segment) {
            if let Some(found) = self.next(child, index + 1)? {
                return Ok(Some(found));
            }
        }
        for edge in &node.dynamic {
            if let Matcher::Path = edge.matcher {
                if let Some(found) = self.walk_path(edge, index)? {
                    return Ok(Some(found));
                }
                continue;
            }
            if let Matcher::Mixed(matcher) = &edge.matcher {
                let values = matcher.call1(py, (segment,))?;
                let values = values.bind(py);
                if values.is_none() {
                    continue;
                }
                if let Some(found) = self.next(&edge.child, index + 1)? {
                    for (name, value) in values.cast::<PyDict>()?.iter() {
                        self.params.push((name, value));
                    }
                    return Ok(Some(found));
                }
                continue;
            }
            let Some(value) = convert(py, &edge.matcher, segment)? else {
                continue;
            };
            if let Some(found) = self.next(&edge.child, index + 1)? {
                self.params
                    .push((edge.name.bind(py).clone().into_any(), value));
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn walk_path<'n>(&mut self, edge: &'n Edge, index: usize) -> Found<'n> {
        // Shortest first, so a rule with a literal suffix (/<path:p>/meta) beats the bare one.
        // Each candidate is a slice of the path, not a join of its segments: a long path
        // costs a step per segment, not a copy of everything before it.
        let start = self.offset_of(index);
        for end in index + 1..=self.segments.len() {
            let last = self.segments[end - 1];
            let value = &self.rest[start..self.offset_of(end - 1) + last.len()];
            if value.is_empty() {
                continue;
            }
            if let Some(found) = self.next(&edge.child, end)? {
                let name = edge.name.bind(self.py).clone().into_any();
                let value = PyString::new(self.py, value).into_any();
                self.params.push((name, value));
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// The converted value of one segment, or `None` where the converter refuses it.
fn convert<'py>(
    py: Python<'py>,
    matcher: &Matcher,
    segment: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match matcher {
        Matcher::String => Ok((!segment.is_empty()).then(|| PyString::new(py, segment).into_any())),
        Matcher::Int => {
            if !all_digits(segment) {
                return Ok(None);
            }
            if segment.len() <= 18 {
                let number: u64 = segment.parse().expect("18 ASCII digits fit in u64");
                return Ok(Some(number.into_pyobject(py)?.into_any()));
            }
            // Past Python's limit on digits (4,300 by default) int() refuses the text,
            // as IntConverter.to_python does: not a match, so the walk goes on.
            match py.get_type::<PyInt>().call1((segment,)) {
                Ok(number) => Ok(Some(number)),
                Err(error) if error.is_instance_of::<PyValueError>(py) => Ok(None),
                Err(error) => Err(error),
            }
        }
        Matcher::Float => {
            let Some((whole, fraction)) = segment.split_once('.') else {
                return Ok(None);
            };
            if !all_digits(whole) || !all_digits(fraction) {
                return Ok(None);
            }
            // Rust and Python both round decimal text to the nearest double.
            let number: f64 = segment.parse().expect("digits.digits is a valid float");
            Ok(Some(number.into_pyobject(py)?.into_any()))
        }
        Matcher::Callback(to_python) => match to_python.bind(py).call1((segment,)) {
            Ok(value) => Ok(Some(value)),
            Err(error) if error.is_instance_of::<PyValueError>(py) => Ok(None),
            Err(error) => Err(error),
        },
        Matcher::Path | Matcher::Mixed(_) => unreachable!("handled by walk"),
    }
}

#[cfg(test)]
mod tests {
    use super::{all_digits, segments_of};

    #[test]
    fn segments_are_those_of_a_split_on_slashes() {
        assert_eq!(segments_of("users/42"), ["users", "42"]);
        assert_eq!(segments_of(""), [""]);
        assert_eq!(segments_of("a//b/"), ["a", "", "b", ""]);
        assert_eq!(
            segments_of("caf\u{e9}/\u{1f600}"),
            ["caf\u{e9}", "\u{1f600}"]
        );
    }

    #[test]
    fn digits_are_ascii_only_and_never_empty() {
        assert!(all_digits("0042"));
        assert!(!all_digits(""));
        assert!(!all_digits("٣"));
        assert!(!all_digits("4a"));
    }
}
