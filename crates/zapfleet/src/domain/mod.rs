//! Domain types: parse-don't-validate newtypes and state machines.
//!
//! Nothing in here touches the network, the database or the HTTP layer, so every rule
//! about what an instance, a phone or a name may be lives in one place and is tested
//! without I/O.

pub mod account;
pub mod connection;
pub mod ids;
pub mod instance;
pub mod instance_key;
pub mod instance_name;
pub mod instance_status;
pub mod listing;
pub mod message;
pub mod phone;
pub mod settings;
pub mod timestamp;

pub use account::{Email, EmailError, Password, PasswordError, TokenName, TokenNameError};
pub use connection::{Login, LoginMethod, ProvisionState};
pub use ids::{InstanceId, TokenId, UserId};
pub use instance::Instance;
pub use instance_key::InstanceKey;
pub use instance_name::{InstanceName, InstanceNameError};
pub use instance_status::InstanceStatus;
pub use listing::{Cursor, CursorError, InstanceSort, SortField, SortValue};
pub use message::{MessageKind, MessageStatus};
pub use phone::{Phone, PhoneError};
pub use settings::{ForwardWebhook, InstanceSettings};
pub use timestamp::Timestamp;
