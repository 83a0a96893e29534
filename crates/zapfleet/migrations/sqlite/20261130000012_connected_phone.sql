-- The number WhatsApp reports as logged in (the provider's `owner`), kept apart
-- from the number the user configured: a different phone may have scanned the
-- QR, and the page flags it. Unknown (NULL) until the provider says.
ALTER TABLE whatsapp_instance ADD COLUMN "connectedPhone" TEXT
    CONSTRAINT instance_connected_phone_check CHECK (length("connectedPhone") BETWEEN 1 AND 32);
