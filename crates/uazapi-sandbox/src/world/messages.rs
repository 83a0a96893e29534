//! Messages: sends (with their duplicate count and scheduled receipts), incoming
//! messages from contacts, `/message/find`, and the Message object they share.

use super::ids::random_u64;
use super::instances::SandboxInstance;
use super::{ApiError, Notice, World};
use serde_json::{Value, json};
use uazapi::Status;

/// A delivery or read receipt waiting for its time.
#[derive(Debug, Clone)]
pub(super) struct PendingAck {
    due_ms: i64,
    /// `pub(super)` so deleting an instance can drop its receipts.
    pub(super) token: String,
    messageid: String,
    chatid: String,
    state: &'static str,
}

impl World {
    /// A message arrives from a contact.
    pub fn incoming(
        &mut self,
        id: &str,
        from: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<Vec<Notice>, ApiError> {
        let instance = self.get_mut(id)?;
        if instance.status != Status::Connected {
            return Err(ApiError::new(409, "instance is not connected"));
        }
        let messageid = format!("AC{:016X}{:014X}", random_u64(), random_u64() >> 8);
        let chatid = format!("{from}@s.whatsapp.net");
        let message = message_json(instance, &messageid, &chatid, text, false, now_ms, "", "");
        Ok(vec![instance.message_notice(
            &chatid,
            message,
            (false, false, false),
        )])
    }

    /// `/send/text` and `/send/media`: records the send, answers the Message object,
    /// and schedules the delivery and read receipts.
    pub fn send(
        &mut self,
        token: &str,
        number: &str,
        text: &str,
        media: Option<&str>,
        track: (&str, &str),
        now_ms: i64,
    ) -> Result<(Value, Vec<Notice>), ApiError> {
        let id = self.id_of_token(token)?;
        let ack_delay = i64::try_from(self.faults.ack_delay_ms.unwrap_or(50)).unwrap_or(50);
        let instance = self.get_mut(&id)?;
        if instance.status != Status::Connected {
            return Err(ApiError::new(401, "No session"));
        }
        let messageid = format!("3EB0{:016X}{:02X}", random_u64(), random_u64() as u8);
        let chatid = if number.contains('@') {
            number.to_owned()
        } else {
            format!("{number}@s.whatsapp.net")
        };
        let key = if track.1.is_empty() {
            messageid.clone()
        } else {
            track.1.to_owned()
        };
        *instance.sent.entry(key).or_default() += 1;
        let mut message = message_json(
            instance, &messageid, &chatid, text, true, now_ms, track.0, track.1,
        );
        if let Some(kind) = media {
            message["messageType"] = json!(match kind {
                "image" => "ImageMessage",
                "video" => "VideoMessage",
                "audio" | "myaudio" | "ptt" => "AudioMessage",
                _ => "DocumentMessage",
            });
            message["type"] = json!("media");
            message["mediaType"] = json!(kind);
        }
        let mut stored = message.clone();
        stored["status"] = json!("Sent");
        instance.sent_messages.push(stored);
        let notice = instance.message_notice(&chatid, message.clone(), (true, true, false));
        for (state, delay) in [("Delivered", ack_delay), ("Read", ack_delay * 2)] {
            self.acks.push(PendingAck {
                due_ms: now_ms + delay,
                token: token.to_owned(),
                messageid: messageid.clone(),
                chatid: chatid.clone(),
                state,
            });
        }
        message["status"] = json!("Sent");
        Ok((message, vec![notice]))
    }

    /// `/message/find`: sent messages matching the filters, newest first.
    pub fn find(
        &self,
        token: &str,
        id: &str,
        track_id: &str,
        limit: usize,
    ) -> Result<Vec<Value>, ApiError> {
        let instance = self.by_token(token)?;
        Ok(instance
            .sent_messages
            .iter()
            .rev()
            .filter(|m| id.is_empty() || m["messageid"] == id || m["id"] == id)
            .filter(|m| track_id.is_empty() || m["track_id"] == track_id)
            .take(limit)
            .cloned()
            .collect())
    }

    /// Takes the receipts due by `now_ms` off the queue, as `messages_update`
    /// events; those of deleted instances are dropped.
    pub(super) fn due_receipts(&mut self, now_ms: i64) -> Vec<Notice> {
        let (due, later): (Vec<_>, Vec<_>) = self.acks.drain(..).partition(|a| a.due_ms <= now_ms);
        self.acks = later;
        let mut notices = Vec::new();
        for ack in due {
            let Some(instance) = self.instances.values_mut().find(|i| i.token == ack.token) else {
                continue;
            };
            // `/message/find` tells the receipt too, even when its webhook is lost.
            if let Some(sent) = instance
                .sent_messages
                .iter_mut()
                .find(|m| m["messageid"] == ack.messageid.as_str())
                && sent["status"] != "Read"
            {
                sent["status"] = json!(ack.state);
            }
            notices.push(instance.receipt_notice(&ack.chatid, &ack.messageid, ack.state, now_ms));
        }
        notices
    }
}

#[allow(clippy::too_many_arguments)]
fn message_json(
    instance: &SandboxInstance,
    messageid: &str,
    chatid: &str,
    text: &str,
    from_me: bool,
    now_ms: i64,
    track_source: &str,
    track_id: &str,
) -> Value {
    let sender = if from_me {
        format!("{}@s.whatsapp.net", instance.owner)
    } else {
        chatid.to_owned()
    };
    json!({
        "id": format!("{}:{messageid}", instance.owner), "messageid": messageid, "chatid": chatid, "chatlid": "",
        "content": text, "fromMe": from_me, "wasSentByApi": from_me, "isGroup": false, "groupName": "Unknown",
        "messageType": "Conversation", "type": "text", "mediaType": "", "messageTimestamp": now_ms,
        "sender": sender, "sender_lid": "", "sender_pn": sender, "senderName": if from_me { instance.profile_name.clone() } else { String::new() },
        "source": if from_me { "web" } else { "android" }, "status": "", "text": text,
        "edited": "", "quoted": "", "reaction": "", "vote": "", "buttonOrListid": "", "convertOptions": "",
        "owner": instance.owner, "track_source": track_source, "track_id": track_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_send_with_the_same_track_id_counts_as_a_duplicate() {
        let mut world = World::default();
        let token = world
            .create("dup", "", (String::new(), String::new()), 0)
            .token
            .clone();
        let id = world.by_token(&token).unwrap().id.clone();
        world.log_in(&id, Some("5511999999999".into()));
        for _ in 0..2 {
            world
                .send(
                    &token,
                    "5511988887777",
                    "oi",
                    None,
                    ("zapfleet", "msg-1"),
                    0,
                )
                .unwrap();
        }
        world
            .send(
                &token,
                "5511988887777",
                "outra",
                None,
                ("zapfleet", "msg-2"),
                0,
            )
            .unwrap();
        let instance = world.by_token(&token).unwrap();
        assert_eq!(instance.sent["msg-1"], 2);
        assert_eq!(instance.sent["msg-2"], 1);
        assert_eq!(instance.sent_messages.len(), 3);
    }
}
