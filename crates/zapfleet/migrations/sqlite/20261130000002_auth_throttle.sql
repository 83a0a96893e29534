-- Failed sign-ins and sign-up attempts, counted per key (a hash of the client
-- address and the e-mail, or of the address alone) so that limits survive a
-- restart and are shared by every server on this database.
CREATE TABLE auth_throttle (
    key TEXT NOT NULL CONSTRAINT auth_throttle_pkey PRIMARY KEY,
    failures INTEGER NOT NULL CONSTRAINT auth_throttle_failures_check CHECK (failures >= 0),
    "firstAt" INTEGER NOT NULL,
    "blockedUntil" INTEGER,
    "updatedAt" INTEGER NOT NULL
);

CREATE INDEX auth_throttle_stale ON auth_throttle ("updatedAt");
