//! The uazapi endpoints one by one: paths, bodies and whether each call is safe to
//! repeat, exactly as the contract says, and how each answer is read.

use super::Client;
use super::transport::{Auth, Repeat};
use crate::ProviderError;
use crate::provider::{ConnectMethod, SendMedia, SendText};
use crate::wire::{
    Created, Instance, MessageSent, StatusReport, WebhookConfig, WireError, instance_in,
};
use reqwest::Method;
use serde_json::{Value, json};

impl Client {
    fn unexpected(path: &str) -> impl FnOnce(WireError) -> ProviderError + '_ {
        move |e| ProviderError::UnexpectedResponse(format!("{path}: {e}"))
    }

    pub(super) async fn create(&self, name: &str) -> Result<Created, ProviderError> {
        let body = json!({"name": name, "systemName": "zapfleet"});
        // Older servers only know /instance/init. A create is never retried: a
        // second call could make a second instance.
        let value = match self
            .call(
                Method::POST,
                "/instance/create",
                Auth::Admin,
                Some(&body),
                Repeat::Unsafe,
            )
            .await
        {
            Err(ProviderError::NotFound | ProviderError::Rejected { status: 405, .. }) => {
                self.call(
                    Method::POST,
                    "/instance/init",
                    Auth::Admin,
                    Some(&body),
                    Repeat::Unsafe,
                )
                .await?
            }
            other => other?,
        };
        Created::from_value(&value).map_err(Self::unexpected("/instance/create"))
    }

    pub(super) async fn all(&self) -> Result<Vec<Instance>, ProviderError> {
        let value = self
            .call(
                Method::GET,
                "/instance/all",
                Auth::Admin,
                None,
                Repeat::Safe,
            )
            .await?;
        let items = value.as_array().ok_or_else(|| {
            ProviderError::UnexpectedResponse("/instance/all: not an array".into())
        })?;
        items
            .iter()
            .map(|v| Instance::from_value(v).map_err(Self::unexpected("/instance/all")))
            .collect()
    }

    pub(super) async fn connect_instance(
        &self,
        token: &str,
        method: ConnectMethod<'_>,
    ) -> Result<Instance, ProviderError> {
        let body = match method {
            ConnectMethod::Qr => json!({}),
            ConnectMethod::Code { phone } => json!({"phone": phone}),
        };
        // Asking again only refreshes the QR or code, so a retry is harmless.
        let value = self
            .call(
                Method::POST,
                "/instance/connect",
                Auth::Instance(token),
                Some(&body),
                Repeat::Safe,
            )
            .await?;
        instance_in(&value).map_err(Self::unexpected("/instance/connect"))
    }

    pub(super) async fn status_of(&self, token: &str) -> Result<StatusReport, ProviderError> {
        let value = self
            .call(
                Method::GET,
                "/instance/status",
                Auth::Instance(token),
                None,
                Repeat::Safe,
            )
            .await?;
        StatusReport::from_value(&value).map_err(Self::unexpected("/instance/status"))
    }

    pub(super) async fn disconnect_instance(&self, token: &str) -> Result<Instance, ProviderError> {
        let value = self
            .call(
                Method::POST,
                "/instance/disconnect",
                Auth::Instance(token),
                None,
                Repeat::Safe,
            )
            .await?;
        instance_in(&value).map_err(Self::unexpected("/instance/disconnect"))
    }

    pub(super) async fn delete_instance(&self, token: &str) -> Result<(), ProviderError> {
        match self
            .call(
                Method::DELETE,
                "/instance",
                Auth::Instance(token),
                None,
                Repeat::Safe,
            )
            .await
        {
            // Gone already (a retried delete, or deleted elsewhere): the goal is met.
            Ok(_) | Err(ProviderError::NotFound) => Ok(()),
            // A deleted instance's token is unknown: 401 after a retried delete.
            Err(error) => Err(error),
        }
    }

    pub(super) async fn rename_instance(
        &self,
        token: &str,
        name: &str,
    ) -> Result<Instance, ProviderError> {
        let body = json!({"name": name});
        let value = self
            .call(
                Method::POST,
                "/instance/updateInstanceName",
                Auth::Instance(token),
                Some(&body),
                Repeat::Safe,
            )
            .await?;
        // The contract answers the Instance object itself; accept it wrapped too.
        Instance::from_value(&value)
            .or_else(|_| instance_in(&value))
            .map_err(Self::unexpected("/instance/updateInstanceName"))
    }

    fn webhook_list(value: Value) -> Result<Vec<WebhookConfig>, ProviderError> {
        let items = match value {
            Value::Array(items) => items,
            single @ Value::Object(_) => vec![single],
            _ => {
                return Err(ProviderError::UnexpectedResponse(
                    "/webhook: not an array".into(),
                ));
            }
        };
        Ok(items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    pub(super) async fn post_webhook(
        &self,
        token: &str,
        config: &WebhookConfig,
    ) -> Result<Vec<WebhookConfig>, ProviderError> {
        let body = serde_json::to_value(config)
            .map_err(|e| ProviderError::UnexpectedResponse(e.to_string()))?;
        let value = self
            .call(
                Method::POST,
                "/webhook",
                Auth::Instance(token),
                Some(&body),
                Repeat::Safe,
            )
            .await?;
        Self::webhook_list(value)
    }

    pub(super) async fn get_webhooks(
        &self,
        token: &str,
    ) -> Result<Vec<WebhookConfig>, ProviderError> {
        let value = self
            .call(
                Method::GET,
                "/webhook",
                Auth::Instance(token),
                None,
                Repeat::Safe,
            )
            .await?;
        Self::webhook_list(value)
    }

    pub(super) async fn post_delay_settings(
        &self,
        token: &str,
        min_secs: u64,
        max_secs: u64,
    ) -> Result<(), ProviderError> {
        let body = json!({"msg_delay_min": min_secs, "msg_delay_max": max_secs});
        self.call(
            Method::POST,
            "/instance/updateDelaySettings",
            Auth::Instance(token),
            Some(&body),
            Repeat::Safe,
        )
        .await?;
        Ok(())
    }

    pub(super) async fn send(
        &self,
        path: &str,
        token: &str,
        body: Value,
    ) -> Result<MessageSent, ProviderError> {
        // Never retried here: a repeat could deliver the message twice. The outbox
        // decides, with its own idempotency.
        let value = self
            .call(
                Method::POST,
                path,
                Auth::Instance(token),
                Some(&body),
                Repeat::Unsafe,
            )
            .await?;
        MessageSent::from_value(&value).map_err(Self::unexpected(path))
    }

    pub(super) async fn find_by_track_id(
        &self,
        token: &str,
        track_id: &str,
    ) -> Result<Option<MessageSent>, ProviderError> {
        let body = json!({"track_source": "zapfleet", "track_id": track_id, "limit": 1});
        let value = self
            .call(
                Method::POST,
                "/message/find",
                Auth::Instance(token),
                Some(&body),
                Repeat::Safe,
            )
            .await?;
        let messages = value
            .get("messages")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(messages
            .iter()
            .find(|m| m.get("track_id").and_then(Value::as_str) == Some(track_id))
            .and_then(|m| MessageSent::from_value(m).ok()))
    }
}

pub(super) fn text_body(message: &SendText<'_>) -> Value {
    json!({"number": message.number, "text": message.text, "track_source": "zapfleet", "track_id": message.track_id})
}

pub(super) fn media_body(message: &SendMedia<'_>) -> Value {
    let mut body = json!({"number": message.number, "type": message.kind.as_str(), "file": message.file,
        "track_source": "zapfleet", "track_id": message.track_id});
    if !message.caption.is_empty() {
        body["text"] = json!(message.caption);
    }
    if !message.doc_name.is_empty() {
        body["docName"] = json!(message.doc_name);
    }
    body
}
