//! What the forward-webhook forms share (an instance's and the account's):
//! the events offered as labelled checkboxes.

use crate::domain::EventKind;
use crate::i18n::{Locale, Msg};

/// The events an instance's forward webhook can be limited to, with labels.
pub const INSTANCE_EVENTS: [(EventKind, Msg); 7] = [
    (EventKind::InstanceStatus, Msg::EventInstanceStatus),
    (EventKind::MessageReceived, Msg::EventMessageReceived),
    (EventKind::MessageStatus, Msg::EventMessageStatus),
    (EventKind::MessageReceipt, Msg::EventMessageReceipt),
    (EventKind::InstanceUpdated, Msg::EventInstanceUpdated),
    (EventKind::InstanceQrcode, Msg::EventInstanceQrcode),
    (EventKind::InstancePaircode, Msg::EventInstancePaircode),
];

/// The account's webhook also hears instances come and go.
pub const ACCOUNT_EVENTS: [(EventKind, Msg); 9] = [
    (EventKind::InstanceStatus, Msg::EventInstanceStatus),
    (EventKind::MessageReceived, Msg::EventMessageReceived),
    (EventKind::MessageStatus, Msg::EventMessageStatus),
    (EventKind::MessageReceipt, Msg::EventMessageReceipt),
    (EventKind::InstanceUpdated, Msg::EventInstanceUpdated),
    (EventKind::InstanceCreated, Msg::EventInstanceCreated),
    (EventKind::InstanceDeleted, Msg::EventInstanceDeleted),
    (EventKind::InstanceQrcode, Msg::EventInstanceQrcode),
    (EventKind::InstancePaircode, Msg::EventInstancePaircode),
];

/// One event checkbox: its value, its label, whether it is checked.
pub struct EventChoice {
    /// The event's name (`message.received`).
    pub value: &'static str,
    /// What people read.
    pub label: &'static str,
    /// Ticked.
    pub checked: bool,
}

/// The checkboxes of `offered`, with `checked` ticked.
pub fn event_choices(
    l: Locale,
    offered: &[(EventKind, Msg)],
    checked: &[String],
) -> Vec<EventChoice> {
    offered
        .iter()
        .map(|(kind, label)| EventChoice {
            value: kind.as_str(),
            label: l.t(*label),
            checked: checked.iter().any(|c| c == kind.as_str()),
        })
        .collect()
}

/// The label of an event kind (its name when no label is known).
pub fn event_label(l: Locale, kind: EventKind) -> &'static str {
    ACCOUNT_EVENTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind.as_str(), |(_, label)| l.t(*label))
}
