//! The `.npy` header: a Python dict literal such as
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }`, parsed without eval.
//!
//! Contract: [`parse_header`] accepts any well-formed literal made of dicts, tuples, lists,
//! strings, integers (Python 2's `3L` suffix allowed), `True`/`False`/`None`, in any key order and
//! spacing, nested at most 16 deep; it returns the dtype, the Fortran-order flag and the shape.
//! Errors are plain strings (the caller adds the file name) that say which field is wrong.

/// A Python literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<PyValue>),
    List(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
}

/// A numpy element type: kind `f`/`i`/`u`/`b`, size in bytes, byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dtype {
    pub kind: u8,
    pub size: usize,
    pub big_endian: bool,
}

/// What the header says about the array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpyHeader {
    pub dtype: Dtype,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

const MAX_DEPTH: usize = 16;

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.pos).is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("header: {what} at character {}", self.pos))
    }

    fn value(&mut self, depth: usize) -> Result<PyValue, String> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.skip_ws();
        match self.s.get(self.pos) {
            None => self.err("unexpected end"),
            Some(b'{') => {
                let items = self.items(b'}', depth)?;
                let mut pairs = Vec::new();
                for pair in items.chunks(2) {
                    if let [k, v] = pair {
                        pairs.push((k.clone(), v.clone()));
                    }
                }
                Ok(PyValue::Dict(pairs))
            }
            Some(b'(') => self.items(b')', depth).map(PyValue::Tuple),
            Some(b'[') => self.items(b']', depth).map(PyValue::List),
            Some(&q @ (b'\'' | b'"')) => {
                let start = self.pos + 1;
                let len = self.s[start..].iter().position(|&c| c == q);
                let Some(len) = len else {
                    return self.err("unterminated string");
                };
                self.pos = start + len + 1;
                Ok(PyValue::Str(String::from_utf8_lossy(&self.s[start..start + len]).into_owned()))
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.pos;
                self.pos += 1;
                while self.s.get(self.pos).is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
                let Ok(v) = text.parse::<i128>() else {
                    return self.err("bad integer");
                };
                if matches!(self.s.get(self.pos), Some(b'L' | b'l')) {
                    self.pos += 1;
                }
                Ok(PyValue::Int(v))
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let start = self.pos;
                while self.s.get(self.pos).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    self.pos += 1;
                }
                match &self.s[start..self.pos] {
                    b"True" => Ok(PyValue::Bool(true)),
                    b"False" => Ok(PyValue::Bool(false)),
                    b"None" => Ok(PyValue::None),
                    name => {
                        let name = String::from_utf8_lossy(name).into_owned();
                        self.pos = start;
                        self.err(&format!("unknown name '{name}'"))
                    }
                }
            }
            Some(_) => self.err("unexpected character"),
        }
    }

    /// Comma-separated values up to `close` (trailing comma allowed); dict `k: v` pairs are
    /// returned flattened `[k, v, k, v, ...]`.
    fn items(&mut self, close: u8, depth: usize) -> Result<Vec<PyValue>, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.s.get(self.pos) == Some(&close) {
                self.pos += 1;
                return Ok(out);
            }
            out.push(self.value(depth + 1)?);
            self.skip_ws();
            if close == b'}' {
                if self.s.get(self.pos) != Some(&b':') {
                    return self.err("expected ':' after dict key");
                }
                self.pos += 1;
                out.push(self.value(depth + 1)?);
                self.skip_ws();
            }
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(&c) if c == close => {}
                _ => return self.err(&format!("expected ',' or '{}'", close as char)),
            }
        }
    }
}

/// Parses one Python literal (trailing whitespace allowed).
pub fn parse_literal(text: &str) -> Result<PyValue, String> {
    let mut p = Parser { s: text.as_bytes(), pos: 0 };
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return p.err("unexpected text after the literal");
    }
    Ok(v)
}

/// Parses a dtype string such as `<f4`, `>i8`, `|u1`, `|b1`.
pub fn parse_dtype(descr: &str) -> Result<Dtype, String> {
    let b = descr.as_bytes();
    let unsupported = || Err(format!("header field 'descr': unsupported dtype '{descr}'"));
    let (order, rest) = match b.first() {
        Some(&c @ (b'<' | b'>' | b'|' | b'=' | b'!')) => (c, &b[1..]),
        _ => (b'=', b),
    };
    let big_endian =
        order == b'>' || order == b'!' || (order == b'=' && cfg!(target_endian = "big"));
    let Some((&kind, digits)) = rest.split_first() else {
        return unsupported();
    };
    let Ok(size) = std::str::from_utf8(digits).unwrap_or("").parse::<usize>() else {
        return unsupported();
    };
    match (kind, size) {
        (b'f', 2 | 4 | 8) | (b'i' | b'u', 1 | 2 | 4 | 8) | (b'b', 1) => {
            Ok(Dtype { kind, size, big_endian })
        }
        _ => unsupported(),
    }
}

/// Extracts dtype, order and shape from the header dict text.
pub fn parse_header(text: &str) -> Result<NpyHeader, String> {
    let PyValue::Dict(pairs) = parse_literal(text)? else {
        return Err("header is not a dict".into());
    };
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == PyValue::Str(key.into()))
            .map(|(_, v)| v)
            .ok_or_else(|| format!("header has no '{key}' field"))
    };
    let dtype = match get("descr")? {
        PyValue::Str(s) => parse_dtype(s)?,
        other => {
            return Err(format!(
                "header field 'descr': structured dtype {other:?} is not supported"
            ))
        }
    };
    let fortran_order = match get("fortran_order")? {
        PyValue::Bool(b) => *b,
        other => return Err(format!("header field 'fortran_order' is {other:?}, not True/False")),
    };
    let shape = match get("shape")? {
        PyValue::Tuple(dims) | PyValue::List(dims) => dims
            .iter()
            .map(|d| match d {
                PyValue::Int(v) => usize::try_from(*v)
                    .map_err(|_| format!("header field 'shape' has bad dimension {v}")),
                other => Err(format!("header field 'shape' has non-integer dimension {other:?}")),
            })
            .collect::<Result<Vec<usize>, String>>()?,
        other => return Err(format!("header field 'shape' is {other:?}, not a tuple")),
    };
    Ok(NpyHeader { dtype, fortran_order, shape })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_headers() {
        let h = parse_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }     \n")
            .unwrap();
        assert_eq!(h.shape, vec![3, 4]);
        assert_eq!(h.dtype, Dtype { kind: b'f', size: 4, big_endian: false });
        let h = parse_header("{\"shape\":(7L,),\"fortran_order\":True,\"descr\":\">i8\"}").unwrap();
        assert_eq!((h.shape, h.fortran_order, h.dtype.big_endian), (vec![7], true, true));
        let h = parse_header("{'descr': '|b1', 'fortran_order': False, 'shape': ()}").unwrap();
        assert!(h.shape.is_empty());
    }

    #[test]
    fn rejects_bad_headers() {
        for (text, want) in [
            ("{'descr': '<c8', 'fortran_order': False, 'shape': (3,)}", "unsupported dtype '<c8'"),
            ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", "structured"),
            ("{'descr': '<f4', 'shape': (3,)}", "no 'fortran_order'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}", "bad dimension -3"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", "expected ',' or '}'"),
            ("{'descr': __import__('os')}", "unknown name"),
            ("((((((((((((((((((((((((1))))))))))))))))))))))))", "too deep"),
            ("[1, 2]", "not a dict"),
        ] {
            let msg = parse_header(text).unwrap_err();
            assert!(msg.contains(want), "{text}: {msg}");
        }
    }
}
