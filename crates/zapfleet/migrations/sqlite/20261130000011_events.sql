-- Events across nodes (issue 13): every live event is a row, written in the
-- transaction of the change that caused it (a status change, a message
-- received, a receipt…). The id is what `Last-Event-ID` names: AUTOINCREMENT
-- never hands out an id again, even after the retention worker removed rows.
-- "fanOutAt" is when the forwarder may turn the event into forward-webhook
-- deliveries (a claim moves it ahead as a lease); NULL once that is done.

CREATE TABLE event (
    id INTEGER NOT NULL CONSTRAINT event_pkey PRIMARY KEY AUTOINCREMENT,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "instanceId" TEXT,
    kind TEXT NOT NULL,
    -- The payload (JSON), as streams and webhooks receive it.
    payload TEXT NOT NULL,
    "createdAt" INTEGER NOT NULL,
    "fanOutAt" INTEGER
);

CREATE INDEX event_user ON event ("userId", id);
CREATE INDEX event_created ON event ("createdAt");
CREATE INDEX event_fan_out ON event ("fanOutAt") WHERE "fanOutAt" IS NOT NULL;
