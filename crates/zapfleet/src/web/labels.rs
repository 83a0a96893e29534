//! Words the store keeps in English (states, sources, reasons, provider errors)
//! put into the page's language. The stored text stays as it is (the API and
//! the logs read it); only what a person reads is translated.

use crate::domain::{MessageStatus, StatusSource};
use crate::i18n::{Locale, Msg};

/// A message's status as a person reads it.
pub fn message_status(l: Locale, status: MessageStatus) -> &'static str {
    l.t(match status {
        MessageStatus::Queued => Msg::MessageStateQueued,
        MessageStatus::Sending => Msg::MessageStateSending,
        MessageStatus::Sent => Msg::MessageStateSent,
        MessageStatus::Delivered => Msg::MessageStateDelivered,
        MessageStatus::Read => Msg::MessageStateRead,
        MessageStatus::Failed => Msg::MessageStateFailed,
        MessageStatus::Received => Msg::MessageStateReceived,
    })
}

/// Who or what changed a status.
pub fn status_source(l: Locale, source: StatusSource) -> &'static str {
    l.t(match source {
        StatusSource::User => Msg::SourceUser,
        StatusSource::Webhook => Msg::SourceWebhook,
        StatusSource::Poll => Msg::SourcePoll,
        StatusSource::Reconcile => Msg::SourceReconcile,
        StatusSource::Reconnect => Msg::SourceReconnect,
    })
}

/// The reason of a status change. Ours are fixed phrases; the provider's are
/// its own words (a few well-known ones are translated, the rest is shown
/// after "Provedor:", so nobody takes it for ours).
pub fn status_reason(l: Locale, reason: &str) -> String {
    let fixed = match reason {
        "" => return String::new(),
        "connect requested by the user" => Some(Msg::ReasonConnectRequested),
        "logout requested by the user" => Some(Msg::ReasonLogoutRequested),
        "connected" => Some(Msg::ReasonConnected),
        "connecting" => Some(Msg::ReasonConnecting),
        "connection lost" => Some(Msg::ReasonConnectionLost),
        "login not completed in time" => Some(Msg::ReasonLoginTimeout),
        "reconciled after restart" => Some(Msg::ReasonReconciled),
        "timeout: QR code or pairing code not used in time" => Some(Msg::ReasonLoginTimeout),
        "manual disconnect" => Some(Msg::ReasonManualDisconnect),
        "Network error" | "network error" => Some(Msg::ReasonNetworkError),
        "401: logged out from another device" | "logged out from another device" => {
            Some(Msg::ReasonLoggedOutElsewhere)
        }
        _ => None,
    };
    if let Some(msg) = fixed {
        return l.t(msg).to_owned();
    }
    if let Some(attempt) = reason.strip_prefix("automatic reconnect, attempt ") {
        return format!("{} {attempt}", l.t(Msg::ReasonReconnectAttempt));
    }
    format!("{}: {reason}", l.t(Msg::ProviderSaid))
}

/// A provider failure kept as text (an instance's provisioning error, a
/// message's failure): the known shapes in the page's language, with the
/// provider's own detail after them.
pub fn provider_error(l: Locale, text: &str) -> String {
    let shapes: [(&str, Msg); 7] = [
        (
            "provider refused the credentials",
            Msg::ProviderErrUnauthorized,
        ),
        ("not found at the provider", Msg::ProviderErrNotFound),
        ("rate limited by the provider", Msg::ProviderErrRateLimited),
        ("provider unavailable", Msg::ProviderErrUnavailable),
        ("provider timed out", Msg::ProviderErrTimeout),
        ("provider rejected the request", Msg::ProviderErrRejected),
        ("unexpected provider response", Msg::ProviderErrBadResponse),
    ];
    for (prefix, msg) in shapes {
        if let Some(rest) = text.strip_prefix(prefix) {
            // `Option`'s debug text leaks into one shape: "(Some(503))".
            let rest = rest
                .replace("(Some(", "(")
                .replace("))", ")")
                .replace("(None)", "");
            let rest = rest.trim();
            return if rest.is_empty() {
                l.t(msg).to_owned()
            } else if rest.starts_with(':') {
                format!("{}{rest}", l.t(msg))
            } else {
                format!("{} {rest}", l.t(msg))
            };
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_reasons_are_translated_and_the_providers_are_marked() {
        let l = Locale::PtBr;
        assert_eq!(
            status_reason(l, "connect requested by the user"),
            "Conexão pedida pelo usuário"
        );
        assert_eq!(
            status_reason(l, "automatic reconnect, attempt 3"),
            "Reconexão automática, tentativa 3"
        );
        assert_eq!(
            status_reason(l, "stream replaced"),
            "Provedor: stream replaced"
        );
        assert_eq!(
            status_reason(Locale::En, "connection lost"),
            "connection lost"
        );
    }

    #[test]
    fn provider_errors_keep_their_detail() {
        let l = Locale::PtBr;
        assert_eq!(
            provider_error(l, "provider rejected the request (400): invalid phone"),
            "O provedor recusou o pedido (400): invalid phone"
        );
        assert_eq!(
            provider_error(l, "provider unavailable (Some(503)): busy"),
            "O provedor está indisponível (503): busy"
        );
        assert_eq!(
            provider_error(l, "provider timed out"),
            "O provedor não respondeu a tempo"
        );
        assert_eq!(provider_error(l, "something else"), "something else");
    }
}
