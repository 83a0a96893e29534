//! Posting webhook events the way uazapi does: the flat JSON body to each enabled
//! webhook whose event filter takes it, up to three tries, or lost on purpose when
//! a `webhook_loss` fault says so.

use crate::world::{Faults, Notice};
use serde_json::json;
use std::time::Duration;

/// Tries per event (uazapi's error log shows `attempts: 3`).
const ATTEMPTS: u32 = 3;

/// Whether a `messages` event passes the webhook's `excludeMessages` filters.
fn passes(exclude: &[String], (from_me, by_api, group): (bool, bool, bool)) -> bool {
    !exclude.iter().any(|filter| match filter.as_str() {
        "wasSentByApi" => by_api,
        "wasNotSentByApi" => !by_api,
        "fromMeYes" => from_me,
        "fromMeNo" => !from_me,
        "isGroupYes" => group,
        "isGroupNo" => !group,
        _ => false,
    })
}

/// Posts each notice in the background. Deliveries of one notice run in order;
/// notices are posted in the order given.
pub fn deliver(http: &reqwest::Client, base_url: &str, notices: Vec<Notice>, webhook_loss: f64) {
    for notice in notices {
        let mut body = notice.body.clone();
        body["BaseUrl"] = json!(base_url);
        for webhook in &notice.webhooks {
            let wanted = webhook.enabled
                && webhook.events.contains(&notice.event_type)
                && notice
                    .message_flags
                    .is_none_or(|flags| passes(&webhook.exclude_messages, flags));
            if !wanted {
                continue;
            }
            if Faults::roll(webhook_loss) {
                tracing::info!(event = %notice.event_type, "sandbox: webhook lost on purpose");
                continue;
            }
            let mut url = webhook.url.clone();
            if webhook.add_url_events {
                url = format!("{}/{}", url.trim_end_matches('/'), notice.event_type);
            }
            if webhook.add_url_types_messages
                && let Some(kind) = body["message"]["messageType"].as_str()
            {
                url = format!("{}/{kind}", url.trim_end_matches('/'));
            }
            let (http, body) = (http.clone(), body.clone());
            tokio::spawn(async move {
                for attempt in 1..=ATTEMPTS {
                    match http.post(&url).json(&body).send().await {
                        Ok(response) if response.status().is_success() => return,
                        Ok(response) => {
                            tracing::debug!(%url, status = %response.status(), attempt, "sandbox: webhook refused")
                        }
                        Err(error) => {
                            tracing::debug!(%url, %error, attempt, "sandbox: webhook failed")
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_filters_work_like_uazapis() {
        let exclude = vec!["wasSentByApi".to_owned()];
        assert!(!passes(&exclude, (true, true, false)));
        assert!(passes(&exclude, (false, false, false)));
        assert!(passes(&[], (true, true, true)));
        assert!(!passes(&["isGroupYes".to_owned()], (false, false, true)));
    }
}
