//! The nesting check of JSON request bodies (`gobstopper.http.jsonbody.exceeds_depth`),
//! in one pass over the bytes instead of two counts and a regular-expression scan.

use pyo3::prelude::*;

/// Whether the JSON document `body` nests deeper than `max_depth`; brackets inside
/// strings do not count. The same answer as `exceeds_depth`, for any bytes.
#[pyfunction]
pub fn json_nests_deeper(body: &[u8], max_depth: isize) -> bool {
    nests_deeper(body, max_depth)
}

pub(crate) fn nests_deeper(body: &[u8], max_depth: isize) -> bool {
    // Fewer opening brackets than the limit cannot nest past it: the common body, decided
    // by a count the compiler vectorises.
    let opening = body
        .iter()
        .filter(|&&byte| byte == b'[' || byte == b'{')
        .count();
    if isize::try_from(opening).is_ok_and(|opening| opening <= max_depth) {
        return false;
    }
    let mut depth: isize = 0;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return true;
                }
            }
            b']' | b'}' => depth -= 1,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::nests_deeper;

    #[test]
    fn strings_and_escapes_do_not_count() {
        assert!(!nests_deeper(br#"{"a": "[[[[[["}"#, 2));
        assert!(!nests_deeper(br#"["\"[[[["]"#, 1));
        assert!(nests_deeper(br#"["\\", [[]]]"#, 2));
        assert!(!nests_deeper(b"[[]]", 2));
        assert!(nests_deeper(b"[[[]]]", 2));
        assert!(!nests_deeper(b"]]][[[", 2));
    }
}
