-- Failed sign-ins and sign-up attempts, counted per key (a hash of the client
-- address and the e-mail, or of the address alone) so that limits survive a
-- restart and are shared by every server on this database.
CREATE TABLE auth_throttle (
    key text CONSTRAINT auth_throttle_pkey PRIMARY KEY,
    failures integer NOT NULL CONSTRAINT auth_throttle_failures_check CHECK (failures >= 0),
    "firstAt" timestamptz NOT NULL,
    "blockedUntil" timestamptz,
    "updatedAt" timestamptz NOT NULL
);

CREATE INDEX auth_throttle_stale ON auth_throttle ("updatedAt");
