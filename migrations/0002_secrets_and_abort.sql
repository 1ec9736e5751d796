-- Job secrets and git credentials (encrypted at rest, AES-GCM, key id per value), and abort requests.

CREATE TABLE job_secrets (
    job_id      uuid        NOT NULL REFERENCES jobs (id),
    name        text        NOT NULL,
    key_id      text        NOT NULL,
    nonce       bytea       NOT NULL,
    ciphertext  bytea       NOT NULL,
    tag         bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, name)
);

-- One set of credentials per job, used for the git fetch only.
CREATE TABLE job_git_credentials (
    job_id      uuid        PRIMARY KEY REFERENCES jobs (id),
    kind        text        NOT NULL CHECK (kind IN ('token', 'ssh_key')),
    username    text        NULL,
    key_id      text        NOT NULL,
    nonce       bytea       NOT NULL,
    ciphertext  bytea       NOT NULL,
    tag         bytea       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Set by POST /runs/{id}/abort on a running run; the Runner executing it stops it and ends it 'aborted'.
ALTER TABLE runs ADD COLUMN abort_requested_at timestamptz NULL;
ALTER TABLE runs ADD COLUMN abort_requested_by text NULL;
