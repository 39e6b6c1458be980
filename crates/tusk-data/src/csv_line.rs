//! CSV field syntax shared by the reader and the writer.
//!
//! Contract: [`split_line`] splits one physical line on a one-byte ASCII delimiter; unquoted
//! fields are trimmed of surrounding spaces; a field starting with `"` runs to the closing quote
//! (`""` is a literal quote) and may be followed only by spaces before the next delimiter. Quoted
//! fields cannot span lines. [`quote`] is the inverse for header names written by
//! [`crate::csv_write::write_csv`].

use std::borrow::Cow;

use crate::error::{Error, Result};

/// Splits one line into fields, unquoting `"..."` fields. `Err` describes a quoting problem.
pub fn split_line<'a>(
    line: &'a str,
    delim: u8,
    out: &mut Vec<Cow<'a, str>>,
) -> std::result::Result<(), String> {
    out.clear();
    let bytes = line.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i] == b' ' && delim != b' ' {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'"' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match line[j..].find('"') {
                    None => {
                        return Err(format!(
                            "unterminated quoted field starting at character {}",
                            i + 1
                        ))
                    }
                    Some(k) => {
                        s.push_str(&line[j..j + k]);
                        j += k + 1;
                        if bytes.get(j) == Some(&b'"') {
                            s.push('"');
                            j += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            let end = line[j..].find(delim as char).map_or(line.len(), |k| j + k);
            if !line[j..end].trim().is_empty() {
                return Err(format!("text after closing quote at character {}", j + 1));
            }
            out.push(Cow::Owned(s));
            if end == line.len() {
                return Ok(());
            }
            i = end + 1;
        } else {
            let end = line[i..].find(delim as char).map_or(line.len(), |k| i + k);
            out.push(Cow::Borrowed(line[i..end].trim()));
            if end == line.len() {
                return Ok(());
            }
            i = end + 1;
        }
    }
}

pub fn check_delimiter(delim: u8) -> Result<()> {
    if !delim.is_ascii() || matches!(delim, b'"' | b'\n' | b'\r') {
        return Err(Error::config(format!(
            "CSV delimiter {:?} must be an ASCII byte other than a quote or newline",
            delim as char
        )));
    }
    Ok(())
}

/// Quotes `s` if it holds a delimiter, quote, newline or surrounding spaces.
pub fn quote(s: &str) -> Cow<'_, str> {
    if s.contains([',', '\t', '"', '\n', '\r', ';']) || s.trim() != s {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, delim: u8) -> std::result::Result<Vec<String>, String> {
        let mut out = Vec::new();
        split_line(line, delim, &mut out)?;
        Ok(out.into_iter().map(|c| c.into_owned()).collect())
    }

    #[test]
    fn splits_and_unquotes() {
        assert_eq!(split(" 1, 2 ,3", b',').unwrap(), vec!["1", "2", "3"]);
        assert_eq!(split("a,,b,", b',').unwrap(), vec!["a", "", "b", ""]);
        assert_eq!(
            split(r#""x,y" , "say ""hi""",z"#, b',').unwrap(),
            vec!["x,y", r#"say "hi""#, "z"]
        );
        assert_eq!(split("1\t\"2\"", b'\t').unwrap(), vec!["1", "2"]);
        assert!(split(r#"1,"2"x,3"#, b',').unwrap_err().contains("after closing quote"));
        assert!(split(r#"1,"2"#, b',').unwrap_err().contains("unterminated"));
        assert!(check_delimiter(b';').is_ok());
        assert!(check_delimiter(b'"').is_err());
    }

    #[test]
    fn quote_round_trips_through_split() {
        for name in ["plain", "a,b", r#"say "hi""#, " padded "] {
            assert_eq!(split(&quote(name), b',').unwrap(), vec![name]);
        }
        assert!(matches!(quote("plain"), Cow::Borrowed(_)));
    }
}
