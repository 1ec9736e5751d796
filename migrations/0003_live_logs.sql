-- Live console output: chunks of a running run's (masked) log, appended by its Runner and read
-- by followers; deleted once the whole log is stored as one object. Appends are idempotent by offset.

CREATE TABLE run_log_chunks (
    run_id       uuid        NOT NULL REFERENCES runs (id),
    byte_offset  bigint      NOT NULL,
    seq          integer     NOT NULL,
    data         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, byte_offset)
);

ALTER TABLE runs ADD COLUMN log_size bigint NULL;
ALTER TABLE runs ADD COLUMN log_truncated boolean NOT NULL DEFAULT false;
