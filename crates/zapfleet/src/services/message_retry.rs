//! A person's "try again" on a message that failed: it goes back in the queue
//! and the outbox sends it like any other (paced, exactly once).

use super::messages::publish;
use super::platform::Platform;
use crate::domain::{InstanceId, MessageId, UserId};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::{MessageRecord, Retried};

/// Queues one of the user's failed outgoing messages again. 404 for a message
/// that is not theirs, 409 for one that did not fail (or was retried already).
#[tracing::instrument(skip_all, fields(user = %user, instance = %instance, message = %id))]
pub async fn retry(
    platform: &Platform,
    user: &UserId,
    instance: &InstanceId,
    id: &MessageId,
) -> Result<MessageRecord, AppError> {
    let retried = platform
        .store
        .retry_failed_message(user, instance, id, platform.now())
        .await?;
    match retried {
        Retried::Queued(message) => {
            publish(platform, user, &message);
            Ok(*message)
        }
        Retried::NotRetriable => Err(AppError::Conflict {
            field: "status",
            message: Msg::MessageNotRetriable,
        }),
        Retried::NotFound => Err(AppError::NotFound),
    }
}
