//! The message catalog: every sentence a user can read, in Brazilian Portuguese
//! (the default) and English. Handlers name a [`Msg`]; they never hold the text.

use std::fmt;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// Brazilian Portuguese, the default.
    #[default]
    PtBr,
    /// English.
    En,
}

impl Locale {
    /// Picks the first supported language of an `Accept-Language` header, by order
    /// of preference (q-values honoured); Portuguese when nothing matches.
    pub fn from_accept_language(header: &str) -> Self {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges
            .into_iter()
            .find_map(|(_, tag)| Self::from_tag(tag))
            .unwrap_or_default()
    }

    /// `pt`, `pt-BR` → Portuguese; `en`, `en-US` → English.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "pt" => Some(Self::PtBr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// A sentence of the catalog in this language (for templates).
    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self)
    }

    /// The other language (the switch in the page header).
    pub fn other(self) -> Self {
        match self {
            Self::PtBr => Self::En,
            Self::En => Self::PtBr,
        }
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::PtBr => "pt-BR",
            Self::En => "en",
        }
    }
}

tokio::task_local! {
    /// The language of the request being served (set by a middleware).
    pub static REQUEST_LOCALE: Locale;
}

/// The current request's language, Portuguese outside a request.
pub fn current_locale() -> Locale {
    REQUEST_LOCALE.try_with(|l| *l).unwrap_or_default()
}

mod catalog;
mod details;
pub use catalog::Msg;
pub use details::parser_detail;

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text(current_locale()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_preferred_supported_language() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), Locale::En);
        assert_eq!(
            Locale::from_accept_language("fr;q=1, pt-BR;q=0.8, en;q=0.5"),
            Locale::PtBr
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0.2, pt;q=0.9"),
            Locale::PtBr
        );
        assert_eq!(Locale::from_accept_language("de, fr"), Locale::PtBr);
        assert_eq!(Locale::from_accept_language(""), Locale::PtBr);
    }

    #[test]
    fn every_message_has_both_languages() {
        // Words that are the same in both (names, loanwords, symbols).
        const SAME: [&str; 6] = ["zapfleet", "E-mail", "Status", "Backup", "Webhooks", "Menu"];
        for msg in Msg::ALL {
            let (pt, en) = (msg.text(Locale::PtBr), msg.text(Locale::En));
            assert!(
                !pt.trim().is_empty() && !en.trim().is_empty(),
                "{msg:?} is empty"
            );
            assert!(
                pt != en || SAME.contains(&pt),
                "{msg:?} reads the same in both languages: {pt:?}"
            );
        }
    }
}
