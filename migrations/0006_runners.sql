-- Fleet: the runner registry kept by the Dispatcher from heartbeats, and run columns for
-- retries of lost runs and pickup latency.

CREATE TABLE runners (
    id                   text PRIMARY KEY,
    host                 text        NOT NULL,
    version              text        NOT NULL,
    -- Resource classes in the Runner's order of preference.
    classes              text[]      NOT NULL,
    slots                integer     NOT NULL,
    running_run_ids      uuid[]      NOT NULL DEFAULT '{}',
    cpu_percent          double precision NOT NULL DEFAULT 0,
    memory_used_bytes    bigint      NOT NULL DEFAULT 0,
    memory_total_bytes   bigint      NOT NULL DEFAULT 0,
    quota_cpu_total      integer     NOT NULL DEFAULT 0,
    quota_cpu_free       integer     NOT NULL DEFAULT 0,
    quota_memory_total   integer     NOT NULL DEFAULT 0,
    quota_memory_free    integer     NOT NULL DEFAULT 0,
    paused_reason        text        NULL,
    state                text        NOT NULL CHECK (state IN ('online', 'draining', 'offline')),
    -- Set by POST /runners/{id}/drain; the Runner reads it at every heartbeat tick.
    drain_requested_at   timestamptz NULL,
    drain_requested_by   text        NULL,
    heartbeat_sequence   bigint      NOT NULL DEFAULT 0,
    -- The Runner's own clock at sending: only to order one Runner's heartbeats across a restart
    -- (its sequence starts again at 1), never for liveness.
    heartbeat_sent_at    timestamptz NULL,
    -- The database's clock, never the Runner's.
    first_seen_at        timestamptz NOT NULL DEFAULT now(),
    last_seen_at         timestamptz NOT NULL DEFAULT now(),
    offline_at           timestamptz NULL
);
CREATE INDEX runners_last_seen ON runners (last_seen_at) WHERE state <> 'offline';

-- When the run became eligible for pickup (trigger, re-queue of a lost run, release from a
-- concurrency hold): pickup latency = claim time - queued_at.
ALTER TABLE runs ADD COLUMN queued_at timestamptz NULL;
UPDATE runs SET queued_at = created_at;
ALTER TABLE runs ALTER COLUMN queued_at SET DEFAULT now();
ALTER TABLE runs ALTER COLUMN queued_at SET NOT NULL;
-- How many times a lost run was queued again (retry: { onLost: N }).
ALTER TABLE runs ADD COLUMN lost_retries integer NOT NULL DEFAULT 0;
CREATE INDEX runs_running_by_runner ON runs (runner_id) WHERE status = 'running';
