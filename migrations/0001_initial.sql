-- Narwhal schema, version 1. Applied once by the migrator (src/Core/Persistence/Migrator.cs),
-- recorded in schema_migrations. Never edit an applied file: add a new numbered one.

CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY,
    name          text        NOT NULL,
    -- SHA-256 of the secret: tokens are 256-bit random strings, so a fast hash is enough
    -- (no password stretching needed) and lookups stay a single index probe.
    token_hash    bytea       NOT NULL UNIQUE,
    scopes        text[]      NOT NULL CHECK (scopes <@ ARRAY['read', 'trigger', 'admin']::text[] AND cardinality(scopes) > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NULL,
    last_used_at  timestamptz NULL,
    revoked_at    timestamptz NULL
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    name             text        NOT NULL UNIQUE,
    type             text        NOT NULL CHECK (type IN ('freestyle', 'git')),
    resource_class   text        NOT NULL,
    -- Type-specific settings in canonical JSON (see JobSpec); compared whole for idempotent PUT.
    spec             jsonb       NOT NULL,
    next_run_number  integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Deleted jobs keep their row so that their run history stays readable and a job
    -- created again under the same name continues its run numbers.
    deleted_at       timestamptz NULL
);

CREATE TABLE runs (
    id               uuid PRIMARY KEY,
    job_id           uuid        NOT NULL REFERENCES jobs (id),
    job_name         text        NOT NULL,
    number           integer     NOT NULL,
    status           text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'aborted', 'lost', 'error')),
    status_reason    text        NULL,
    resource_class   text        NOT NULL,
    commit_sha       text        NULL,
    branch           text        NULL,
    parameters       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    trigger          jsonb       NOT NULL,
    rerun_of         uuid        NULL REFERENCES runs (id),
    idempotency_key  text        NULL,
    request_hash     text        NULL,
    -- attempt counts claims (0 while never claimed); attempt_id identifies the current
    -- claim and fences every write of a Runner (a write with an old attempt_id is refused).
    attempt          integer     NOT NULL DEFAULT 0,
    attempt_id       uuid        NULL,
    runner_id        text        NULL,
    exit_code        integer     NULL,
    log_key          text        NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz NULL,
    finished_at      timestamptz NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, number)
);
CREATE UNIQUE INDEX runs_idempotency_key ON runs (job_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_newest ON runs (created_at DESC, id DESC);
CREATE INDEX runs_job_newest ON runs (job_id, created_at DESC, id DESC);
CREATE INDEX runs_active ON runs (status) WHERE status IN ('queued', 'running');

-- Transactional outbox: a run and its ExecuteRun message are written in one transaction;
-- the message is published after commit, and the relay publishes whatever was left.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    run_id        uuid        NOT NULL REFERENCES runs (id),
    queue         text        NOT NULL,
    message_type  text        NOT NULL,
    payload       jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz NULL,
    attempts      integer     NOT NULL DEFAULT 0,
    last_error    text        NULL
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
