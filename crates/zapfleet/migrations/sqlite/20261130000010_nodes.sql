-- Several `zapfleet serve` processes ("nodes") on one PostgreSQL. Each
-- registers here at start-up with a new random id, beats every few seconds,
-- and deletes its row when it stops cleanly. A node whose heartbeat is older
-- than the timeout is dead: the work it had claimed is taken over.
CREATE TABLE node (
    id TEXT NOT NULL CONSTRAINT node_pkey PRIMARY KEY,
    -- The machine's name, and the address it serves on (host:port).
    host TEXT NOT NULL,
    address TEXT NOT NULL,
    version TEXT NOT NULL,
    "startedAt" INTEGER NOT NULL,
    "heartbeatAt" INTEGER NOT NULL
);

-- Which node holds a send's lease (`status = 'sending'`): start-up recovery
-- and takeover end only the leases of dead nodes. NULL: leased before nodes
-- were recorded (treated as dead).
ALTER TABLE message ADD COLUMN "sendNode" TEXT;

-- Per-instance send turn: the node serving an instance's queue holds it until
-- "sendClaimedUntil", so two nodes never send for one instance at once.
ALTER TABLE instance_schedule ADD COLUMN "sendClaimedBy" TEXT;
ALTER TABLE instance_schedule ADD COLUMN "sendClaimedUntil" INTEGER;

-- Work done by one node for all (retention, scheduled backups): its name, who
-- holds it and until when.
CREATE TABLE work_lease (
    name TEXT NOT NULL CONSTRAINT work_lease_pkey PRIMARY KEY,
    "nodeId" TEXT NOT NULL,
    "leasedUntil" INTEGER NOT NULL
);
