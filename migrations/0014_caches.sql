-- Step caches: what a step's `cache:` saved, per job and key. The bytes are one tar in the object
-- store (object_key, a unique name per save); this row is the index every Runner looks a key up in.
-- A job's rows go with it; their objects are left to the store's retention (see docs/job-config.md).
CREATE TABLE job_caches (
    job_id        uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    key           text        NOT NULL,
    object_key    text        NOT NULL,
    size_bytes    bigint      NOT NULL CHECK (size_bytes >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    -- Two Runners saving the same key at once: the first row wins, the other's object is deleted.
    PRIMARY KEY (job_id, key)
);

-- Eviction walks a job's entries least recently used first.
CREATE INDEX job_caches_lru ON job_caches (job_id, last_used_at);
