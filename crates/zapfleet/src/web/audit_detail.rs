//! An audit line's detail as a person reads it: `Motivo: senha errada ·
//! Administrador: sim`, not the stored JSON. Known keys and values are put in
//! the page's language; an unknown key (from a newer release) shows as stored.

use crate::i18n::{Locale, Msg};
use serde_json::Value;

fn key_label(key: &str) -> Option<Msg> {
    Some(match key {
        "admin" => Msg::AuditKeyAdmin,
        "reason" => Msg::AuditKeyReason,
        "method" => Msg::AuditKeyMethod,
        "timeZone" => Msg::TimeZoneTitle,
        "sessionsEnded" => Msg::AuditKeySessionsEnded,
        "changed" => Msg::AuditKeyChanged,
        "prefix" => Msg::AuditKeyPrefix,
        "instances" => Msg::AuditKeyInstances,
        "scope" => Msg::AuditKeyScope,
        "withMessages" => Msg::AuditKeyWithMessages,
        "ok" => Msg::AuditKeyOk,
        "createUsers" => Msg::AuditKeyCreateUsers,
        "dryRun" => Msg::AuditKeyDryRun,
        _ => return None,
    })
}

/// Words stored as values (reasons, methods, scopes, setting names).
fn word(text: &str) -> Option<Msg> {
    Some(match text {
        "unknown_account" => Msg::AuditUnknownAccount,
        "account_disabled" => Msg::AuditAccountDisabled,
        "wrong_password" => Msg::AuditWrongPassword,
        "qr" => Msg::UseQr,
        "code" => Msg::AuditPairingCode,
        "all" => Msg::AuditScopeAll,
        "account" => Msg::AuditScopeAccount,
        "autoReconnect" => Msg::AutoReconnect,
        "keepIncomingText" => Msg::KeepIncomingText,
        "messageDelayMinMs" => Msg::DelayMin,
        "messageDelayMaxMs" => Msg::DelayMax,
        "forwardWebhook" => Msg::ForwardUrl,
        _ => return None,
    })
}

fn value(l: Locale, v: &Value) -> String {
    match v {
        Value::Bool(true) => l.t(Msg::Yes).to_owned(),
        Value::Bool(false) => l.t(Msg::No).to_owned(),
        Value::String(s) => word(s).map_or_else(|| s.clone(), |m| l.t(m).to_owned()),
        Value::Number(n) => n
            .as_i64()
            .map_or_else(|| n.to_string(), |n| super::format::number(n, l)),
        Value::Array(items) => items
            .iter()
            .map(|i| value(l, i))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => "—".to_owned(),
        Value::Object(_) => v.to_string(),
    }
}

/// The detail of an audit line, in the page's language; empty when there is none.
pub fn audit_detail(l: Locale, detail: &Value) -> String {
    match detail {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let label = key_label(k).map_or(k.as_str(), |m| l.t(m));
                format!("{label}: {}", value(l, v))
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Value::Null => String::new(),
        other => value(l, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_keys_and_values_read_in_the_page_language() {
        let failed = json!({"reason": "wrong_password"});
        assert_eq!(audit_detail(Locale::PtBr, &failed), "Motivo: senha errada");
        assert_eq!(audit_detail(Locale::En, &failed), "Reason: wrong password");
        let backup =
            json!({"scope": "account", "withMessages": true, "ok": true, "instances": 1200});
        assert_eq!(
            audit_detail(Locale::PtBr, &backup),
            // Keys in the stored order (alphabetical).
            "Instâncias: 1.200 · Concluído: sim · Abrangência: sua conta · Com mensagens: sim"
        );
        let settings = json!({"changed": ["autoReconnect", "futureKey"]});
        assert_eq!(
            audit_detail(Locale::PtBr, &settings),
            "Alterado: Reconectar automaticamente após quedas, futureKey"
        );
        assert_eq!(audit_detail(Locale::PtBr, &json!({})), "");
        assert_eq!(audit_detail(Locale::PtBr, &json!({"novo": 1})), "novo: 1");
    }
}
