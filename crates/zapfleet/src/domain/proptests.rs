//! Property tests for the parsers of outside data: whatever arrives, they
//! answer (never panic), and what they accept keeps their promises.

use super::listing::{Cursor, InstanceSort, SortField, SortValue};
use super::{InstanceName, InstanceSettings, Phone};
use proptest::prelude::*;

/// Text that mixes the characters parsers trip on: digits, signs, spaces,
/// controls, format characters, combining marks, wide forms, anything.
fn tricky_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<char>(),
            2 => prop::sample::select(vec![
                '0', '9', '+', '-', '(', ')', ' ', '\t', '\n', '\0', '\u{200b}', '\u{202e}',
                '\u{feff}', '\u{303}', 'Ａ', 'ﬁ', 'İ', 'ß', '/', '.', '"', '\\',
            ]),
            2 => prop::char::range('0', '9'),
        ],
        0..130,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn phones_parse_without_panicking(input in tricky_text()) {
        if let Ok(phone) = Phone::parse(&input) {
            prop_assert!(phone.digits().bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(Phone::parse(phone.digits()).ok().map(|p| p.digits().to_owned()), Some(phone.digits().to_owned()));
            let _ = phone.international();
        }
    }

    #[test]
    fn accepted_names_keep_their_promises(input in tricky_text()) {
        if let Ok(name) = InstanceName::parse(&input) {
            let count = name.as_str().chars().count();
            prop_assert!((1..=100).contains(&count));
            prop_assert!(!name.as_str().chars().any(char::is_control));
            let invisible = ['\u{200b}', '\u{202e}', '\u{feff}'];
            prop_assert!(!name.as_str().contains(invisible));
            // Parsing what was accepted gives the same name and key.
            let again = InstanceName::parse(name.as_str()).unwrap();
            prop_assert_eq!(again.key(), name.key());
            // Keys are folded all the way: folding them again changes nothing.
            prop_assert_eq!(super::instance_name::fold_case(&name.key()), name.key());
        }
    }

    #[test]
    fn cursors_decode_without_panicking(text in "[0-9a-fA-Fz]{0,300}", sort in "-?[a-zA-Z]{0,16}") {
        let sort = InstanceSort::parse(&sort).unwrap_or_default();
        let _ = Cursor::decode(&text, sort);
    }

    #[test]
    fn cursors_we_make_come_back(name in tricky_text(), id in "[a-zA-Z0-9_-]{1,40}", ms in 0_i64..4_102_444_800_000) {
        for (field, value) in [
            (SortField::Name, SortValue::Text(name.chars().filter(|c| !c.is_control()).collect())),
            (SortField::CreatedAt, SortValue::Int(ms)),
        ] {
            let sort = InstanceSort { field, descending: false };
            let cursor = Cursor { field, descending: false, value, id: id.clone() };
            prop_assert_eq!(Cursor::decode(&cursor.encode(), sort), Ok(cursor));
        }
    }

    #[test]
    fn settings_from_any_json_never_panic(json in "[\\[\\]{}\",:0-9a-zA-Z.\\- ]{0,200}") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) {
            let settings = InstanceSettings::from_config(&value);
            let _ = settings.delays_valid();
            let _ = settings.to_history();
            prop_assert_eq!(InstanceSettings::from_config(&settings.to_config()), settings);
        }
    }
}
