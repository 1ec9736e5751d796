-- Web UI: the ASP.NET Data Protection key ring, shared by every Api replica (the sign-in cookie
-- and the antiforgery tokens are protected with it). Each row is one key's XML, itself encrypted
-- with the NARWHAL_SECRETS_KEYS key ring (AES-256-GCM, see KeyRingXmlEncryptor): a database dump
-- alone cannot forge a sign-in cookie.

CREATE TABLE data_protection_keys (
    -- Data Protection's friendly name for the element ("key-<guid>"), unique per key.
    name        text        PRIMARY KEY,
    xml         text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
