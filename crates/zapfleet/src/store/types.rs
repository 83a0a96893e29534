//! How domain types are read from rows and bound as arguments. Text-like types
//! (ids, states) read the same on both backends; times and days read natively:
//! `timestamptz` and `date` on PostgreSQL, Unix milliseconds and `YYYY-MM-DD` on
//! SQLite.

use super::sql::Arg;
use crate::domain::{
    AuditAction, Day, DeliveryId, DeliveryStatus, Direction, Email, EventKind, InstanceId,
    InstanceKey, InstanceName, InstanceStatus, LoginMethod, MessageId, MessageKind, MessageStatus,
    Phone, ProvisionState, Receipt, StatusSource, Timestamp, TokenId, UserId,
};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Database, Decode, Type};
use time::OffsetDateTime;

/// Reads a type as text on any backend, through `$read` (`&str` → Result/Self).
macro_rules! text_column {
    ($($ty:ty => |$s:ident| $read:expr),+ $(,)?) => {$(
        impl<DB: Database> Type<DB> for $ty
        where
            str: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let $s = <&'r str as Decode<'r, DB>>::decode(value)?;
                Ok($read)
            }
        }
    )+};
}

text_column! {
    UserId => |s| UserId::from_raw(s),
    InstanceId => |s| InstanceId::from_raw(s),
    TokenId => |s| TokenId::from_raw(s),
    MessageId => |s| MessageId::from_raw(s),
    DeliveryId => |s| DeliveryId::from_raw(s),
    Email => |s| Email::from_stored(s),
    InstanceName => |s| InstanceName::from_stored(s),
    InstanceKey => |s| InstanceKey::from_stored(s),
    Phone => |s| Phone::from_stored(s),
    InstanceStatus => |s| s.parse::<InstanceStatus>()?,
    ProvisionState => |s| s.parse::<ProvisionState>()?,
    LoginMethod => |s| s.parse::<LoginMethod>()?,
    StatusSource => |s| s.parse::<StatusSource>()?,
    MessageKind => |s| s.parse::<MessageKind>()?,
    MessageStatus => |s| s.parse::<MessageStatus>()?,
    Direction => |s| s.parse::<Direction>()?,
    Receipt => |s| s.parse::<Receipt>()?,
    EventKind => |s| s.parse::<EventKind>()?,
    DeliveryStatus => |s| s.parse::<DeliveryStatus>()?,
    AuditAction => |s| s.parse::<AuditAction>()?,
}

/// Binds ids and states as their text.
macro_rules! text_arg {
    ($($ty:ty => |$v:ident| $text:expr),+ $(,)?) => {$(
        impl From<$ty> for Arg {
            fn from($v: $ty) -> Self {
                Arg::Text(Some($text))
            }
        }
    )+};
}

text_arg! {
    &UserId => |v| v.as_str().to_owned(),
    &InstanceId => |v| v.as_str().to_owned(),
    &TokenId => |v| v.as_str().to_owned(),
    &MessageId => |v| v.as_str().to_owned(),
    &DeliveryId => |v| v.as_str().to_owned(),
    &Email => |v| v.as_str().to_owned(),
    InstanceStatus => |v| v.as_str().to_owned(),
    ProvisionState => |v| v.as_str().to_owned(),
    LoginMethod => |v| v.as_str().to_owned(),
    StatusSource => |v| v.as_str().to_owned(),
    MessageKind => |v| v.as_str().to_owned(),
    MessageStatus => |v| v.as_str().to_owned(),
    Direction => |v| v.as_str().to_owned(),
    Receipt => |v| v.as_str().to_owned(),
    EventKind => |v| v.as_str().to_owned(),
    DeliveryStatus => |v| v.as_str().to_owned(),
    AuditAction => |v| v.as_str().to_owned(),
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Timestamp::from_millis(<i64 as Decode<Sqlite>>::decode(
            value,
        )?))
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Timestamp::from_offset_date_time(
            <OffsetDateTime as Decode<Postgres>>::decode(value)?,
        ))
    }
}

impl Type<Sqlite> for Day {
    fn type_info() -> SqliteTypeInfo {
        <str as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <str as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for Day {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Day::parse(<&str as Decode<Sqlite>>::decode(value)?)?)
    }
}

impl Type<Postgres> for Day {
    fn type_info() -> PgTypeInfo {
        <time::Date as Type<Postgres>>::type_info()
    }
}

impl<'r> Decode<'r, Postgres> for Day {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Day::from_date(<time::Date as Decode<Postgres>>::decode(
            value,
        )?))
    }
}
