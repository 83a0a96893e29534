//! The parser against the real samples, every receipt time shape, and
//! random bodies (none may panic it).

use super::*;

fn sample(name: &str) -> Vec<u8> {
    let path = crate::contract::contract_file(
        env!("CARGO_MANIFEST_DIR").as_ref(),
        &format!("samples/{name}"),
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn reads_the_real_connection_samples() {
    let Event::Connection {
        instance,
        logged_out,
        envelope,
    } = parse(&sample("connection.connecting.qr.json")).unwrap()
    else {
        panic!("connection expected")
    };
    assert_eq!(instance.status, crate::Status::Connecting);
    assert!(instance.qrcode.starts_with("data:image/png;base64,"));
    assert!(!logged_out);
    assert_eq!(envelope.owner, "");

    let Event::Connection {
        instance,
        logged_out,
        ..
    } = parse(&sample("connection.disconnected.logged-out.json")).unwrap()
    else {
        panic!("connection expected")
    };
    assert_eq!(instance.status, crate::Status::Disconnected);
    assert_eq!(
        instance.last_disconnect_reason,
        "401: logged out from another device"
    );
    assert!(logged_out);
}

#[test]
fn reads_the_real_message_and_receipt_samples() {
    for name in [
        "messages.incoming.text-extended.json",
        "messages.incoming.image.json",
        "messages.incoming.reaction.json",
        "messages.incoming.group-text.json",
        "messages.outgoing-from-phone.text-conversation.json",
        "messages.outgoing-from-phone.text-edited.json",
        "messages.outgoing-from-phone.text-extended.json",
    ] {
        let Event::Message { message, .. } = parse(&sample(name)).unwrap() else {
            panic!("{name}")
        };
        assert!(!message.messageid.is_empty(), "{name}");
        assert!(message.timestamp_ms.is_some(), "{name}");
    }
    let Event::Receipt {
        state,
        message_ids,
        timestamp,
        ..
    } = parse(&sample(
        "reconstructed/messages_update.delivered-receipt.json",
    ))
    .unwrap()
    else {
        panic!("receipt expected")
    };
    assert_eq!(state, "Delivered");
    assert_eq!(message_ids.len(), 2);
    assert_eq!(timestamp, Some(1_770_146_790));
    assert!(matches!(
        parse(&sample("groups.participant-left.json")).unwrap(),
        Event::Other { .. }
    ));
}

#[test]
fn refuses_bodies_it_cannot_route_or_trust() {
    assert!(matches!(parse(b"not json"), Err(WireError::Malformed(_))));
    assert!(matches!(parse(b"[1,2]"), Err(WireError::Malformed(_))));
    assert_eq!(
        parse(br#"{"token":"t"}"#),
        Err(WireError::Missing("EventType"))
    );
    assert_eq!(
        parse(br#"{"EventType":"connection"}"#),
        Err(WireError::Missing("token"))
    );
    assert_eq!(
        parse(br#"{"EventType":"connection","token":"t","instance":{"status":"hacked"}}"#),
        Err(WireError::UnknownStatus("hacked".into()))
    );
}

#[test]
fn reads_receipt_times_in_every_shape() {
    for (event, expected) in [
        (r#"{"Timestamp": 1770146800}"#, Some(1_770_146_800)),
        (r#"{"Timestamp": "1770146800"}"#, Some(1_770_146_800)),
        (
            r#"{"Timestamp": "2026-02-03T19:26:40Z"}"#,
            Some(1_770_146_800),
        ),
        (
            r#"{"Timestamp": "2026-02-03T16:26:40.123-03:00"}"#,
            Some(1_770_146_800),
        ),
        (r#"{"Timestamp": "yesterday"}"#, None),
        (r#"{"Timestamp": "2026-13-03T16:26:40Z"}"#, None),
    ] {
        let value: Value = serde_json::from_str(event).unwrap();
        assert_eq!(receipt_time(&value), expected, "{event}");
    }
}

/// A small deterministic generator (xorshift), so the property test needs no
/// extra crate and every failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    const KEYS: &[&str] = &[
        "EventType",
        "token",
        "instance",
        "status",
        "message",
        "messageid",
        "event",
        "MessageIDs",
        "Timestamp",
        "state",
        "type",
        "qrcode",
        "fromMe",
        "owner",
        "messageTimestamp",
        "lastDisconnectReason",
        "profileName",
        "x",
    ];
    const TEXTS: &[&str] = &[
        "connection",
        "messages",
        "messages_update",
        "connected",
        "connecting",
        "disconnected",
        "LoggedOut",
        "True",
        "",
        "2026-02-03T19:26:40Z",
        "2026-99-99T99:99:99+99:99",
        "9999999999999999999999",
        "é\u{0}\u{feff}",
        "-1",
        "line\r\nINFO forged log line\n",
    ];
    match (rng.below(if depth > 3 { 5 } else { 7 }), depth) {
        (0, _) => Value::Null,
        (1, _) => Value::Bool(rng.next().is_multiple_of(2)),
        (2, _) => serde_json::json!(rng.next() as i64),
        (3, _) => serde_json::json!(f64::from(rng.next() as u32) / 7.0),
        (4, _) => Value::String(TEXTS[rng.below(TEXTS.len())].to_owned()),
        (5, _) => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(8))
                .map(|_| {
                    (
                        KEYS[rng.below(KEYS.len())].to_owned(),
                        random_value(rng, depth + 1),
                    )
                })
                .collect(),
        ),
    }
}

#[test]
fn no_body_can_panic_the_parser() {
    let samples: Vec<Vec<u8>> = [
        "connection.connecting.qr.json",
        "connection.connected.json",
        "messages.incoming.text-extended.json",
        "reconstructed/messages_update.read-receipt.json",
    ]
    .iter()
    .map(|name| sample(name))
    .collect();
    for seed in 1..=5_000_u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        // Structured: random JSON built from the keys and values that matter.
        let value = random_value(&mut rng, 0);
        if let Ok(Event::Connection { instance, .. }) = parse(value.to_string().as_bytes()) {
            // Provider text reaches storage and logs as one short line.
            for text in [&instance.last_disconnect_reason, &instance.profile_name] {
                assert!(!text.chars().any(char::is_control), "{text:?}");
                assert!(text.chars().count() <= crate::json::MAX_LINE_CHARS);
            }
        }
        // Mutated: a real sample with bytes flipped, cut or duplicated.
        let mut bytes = samples[rng.below(samples.len())].clone();
        for _ in 0..=rng.below(8) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = rng.next() as u8,
                1 => bytes.truncate(at),
                _ => {
                    let chunk = bytes[at..].iter().take(16).copied().collect::<Vec<_>>();
                    bytes.splice(at..at, chunk);
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        let _ = parse(&bytes);
    }
}
