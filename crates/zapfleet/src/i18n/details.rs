//! The JSON and query parsers' complaints (serde's English) put into words
//! of the catalog; what does not match a known shape is kept as it came.

use super::{Locale, Msg};

/// `serde`'s "missing field `phone` at line 1 column 29" as a sentence in
/// the language.
pub fn parser_detail(detail: &str, l: Locale) -> String {
    let named = || detail.split('`').nth(1).unwrap_or_default();
    let position = position(detail);
    let (msg, subject) = if detail.starts_with("missing field") {
        (Msg::DetailMissingField, named().to_owned())
    } else if detail.starts_with("unknown field") {
        (Msg::DetailUnknownField, named().to_owned())
    } else if detail.starts_with("unknown variant") {
        (Msg::DetailUnknownValue, named().to_owned())
    } else if detail.starts_with("invalid type") {
        (Msg::DetailWrongType, expected(detail))
    } else if detail.starts_with("invalid value") || detail.starts_with("invalid length") {
        (Msg::DetailInvalidValue, expected(detail))
    } else if detail.starts_with("duplicate field") {
        (Msg::DetailDuplicateField, named().to_owned())
    } else if detail.starts_with("EOF while parsing") {
        (Msg::DetailTruncated, String::new())
    } else if detail.starts_with("expected")
        || detail.starts_with("trailing")
        || detail.starts_with("key must be")
    {
        (Msg::DetailSyntax, String::new())
    } else {
        return detail.to_owned();
    };
    let mut text = l.t(msg).to_owned();
    if !subject.is_empty() {
        text = format!("{text} {subject}");
    }
    if let Some((line, column)) = position {
        text = format!(
            "{text} ({} {line}, {} {column})",
            l.t(Msg::DetailLine),
            l.t(Msg::DetailColumn)
        );
    }
    text
}

/// "… at line 1 column 29" → (1, 29).
fn position(detail: &str) -> Option<(u32, u32)> {
    let rest = &detail[detail.rfind(" at line ")? + 9..];
    let (line, column) = rest.split_once(" column ")?;
    Some((line.trim().parse().ok()?, column.trim().parse().ok()?))
}

/// "invalid type: integer `5`, expected a string at line…" → "a string".
fn expected(detail: &str) -> String {
    let Some(rest) = detail.split_once("expected ").map(|(_, r)| r) else {
        return String::new();
    };
    let rest = rest.split(" at line ").next().unwrap_or(rest);
    format!("({rest})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_complaints_read_in_portuguese() {
        let l = Locale::PtBr;
        assert_eq!(
            parser_detail("missing field `phone` at line 1 column 29", l),
            "Campo obrigatório ausente: phone (linha 1, coluna 29)"
        );
        assert_eq!(
            parser_detail("unknown field `nmae`, expected one of `name`, `phone`", l),
            "Campo desconhecido: nmae"
        );
        assert_eq!(
            parser_detail("EOF while parsing an object at line 1 column 10", l),
            "O JSON terminou no meio (linha 1, coluna 10)"
        );
        assert_eq!(parser_detail("something new", l), "something new");
        assert_eq!(
            parser_detail("missing field `phone` at line 1 column 29", Locale::En),
            "Missing required field: phone (line 1, column 29)"
        );
    }
}
