-- Files a run produced (JUnit reports, artifacts), copied out of its container and stored in S3.

CREATE TABLE run_files (
    run_id        uuid        NOT NULL REFERENCES runs (id),
    kind          text        NOT NULL CHECK (kind IN ('junit', 'artifact')),
    path          text        NOT NULL,
    size          bigint      NOT NULL,
    content_type  text        NOT NULL,
    object_key    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, kind, path)
);

ALTER TABLE runs ADD COLUMN junit_summary_key text NULL;
