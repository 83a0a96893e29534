//! Domain types: parse-don't-validate newtypes and state machines.
//!
//! Nothing in here touches the network, the database or the HTTP layer, so every rule
//! about what an instance, a phone or a name may be lives in one place and is tested
//! without I/O.

pub(crate) mod text_enum;

pub mod account;
pub mod audit;
pub mod connection;
pub mod day;
pub mod event;
pub mod ids;
pub mod instance;
pub mod instance_key;
pub mod instance_name;
pub mod instance_status;
pub mod listing;
pub mod message;
pub mod phone;
#[cfg(test)]
mod proptests;
pub mod public_ip;
pub mod settings;
pub mod stats;
pub mod throttle;
pub mod time_zone;
pub mod timestamp;
pub mod transition;

pub use account::{Email, EmailError, Password, PasswordError, TokenName, TokenNameError};
pub use audit::{AuditAction, AuditCursor, AuditEvent, RequestMeta};
pub use connection::{Login, LoginMethod, ProvisionState, StatusSource};
pub use day::{Day, DayError};
pub use event::{DeliveryStatus, EventKind, ForwardWebhook};
pub use ids::{DeliveryId, InstanceId, MessageId, TokenId, UserId};
pub use instance::Instance;
pub use instance_key::InstanceKey;
pub use instance_name::{InstanceName, InstanceNameError};
pub use instance_status::InstanceStatus;
pub use listing::{Cursor, CursorError, InstanceSort, SortField, SortValue};
pub use message::{Direction, Media, MessageKind, MessageStatus, Receipt};
pub use phone::{Phone, PhoneError};
pub use settings::InstanceSettings;
pub use stats::{DayUsage, Usage};
pub use text_enum::UnknownValue;
pub use throttle::ThrottlePolicy;
pub use time_zone::{DEFAULT_TIME_ZONE, TimeZone, TimeZoneError};
pub use timestamp::Timestamp;
