-- GitHub: commit statuses. The database records what to report, the Dispatcher reports it.
--
-- A trigger on runs writes one row per status change (and one when a run's commit becomes known)
-- of every run that reports statuses: triggered from GitHub (runs.trigger kind 'github'), or of a
-- job with github.commitStatuses. Every path that changes a run's status (trigger, claim, the
-- Runner's finish, abort, lost, timed out, anything added later) is covered without a line of C#.
-- A run without a commit yet (a git job triggered by branch, before its fetch) has nothing to
-- report on: its row comes when the Runner records the commit.
--
-- The Dispatcher's CommitStatusReporter maps run_status to a GitHub state (CommitStatusMapping:
-- the one place that knows which run status is which GitHub state) and posts the newest row of
-- each run, superseding older unposted ones. See docs/architecture.md, "Commit statuses".

CREATE TABLE commit_status_updates (
    id               bigserial PRIMARY KEY,
    run_id           uuid        NOT NULL REFERENCES runs (id),
    commit_sha       text        NOT NULL,
    -- The run's status this row reports (a runs.status name).
    run_status       text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Not before this (a failed post waits; Retry-After is honoured here when it is long).
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- A reporter is posting it until then (a lease: no transaction stays open across HTTP calls).
    claimed_until    timestamptz NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    -- Give-up time counts from here: a Dispatcher that was down posts what it finds when it is back.
    first_attempt_at timestamptz NULL,
    last_error       text        NULL,
    done_at          timestamptz NULL,
    -- posted: GitHub has it; superseded: a newer row of the run was posted instead; skipped: nothing
    -- to report (the job's repository is not on the GitHub host); refused: GitHub answered a 4xx that
    -- no retry can fix; gave_up: still failing (or no token configured) after the give-up time.
    outcome          text        NULL CHECK (outcome IN ('posted', 'superseded', 'skipped', 'refused', 'gave_up')),
    CHECK ((done_at IS NULL) = (outcome IS NULL))
);
-- What is left to do, per run in order.
CREATE INDEX commit_status_updates_open ON commit_status_updates (run_id, id) WHERE done_at IS NULL;
-- Pruning of old finished rows.
CREATE INDEX commit_status_updates_done ON commit_status_updates (done_at) WHERE done_at IS NOT NULL;

-- Cheap: a jsonb key test on the row, and a primary-key probe of jobs only for runs not from GitHub.
CREATE FUNCTION narwhal_enqueue_commit_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.commit_sha IS NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.trigger ->> 'kind' IS DISTINCT FROM 'github'
       AND NOT EXISTS (SELECT 1 FROM jobs j
                       WHERE j.id = NEW.job_id AND (j.spec -> 'github' ->> 'commitStatuses') = 'true') THEN
        RETURN NULL;
    END IF;
    INSERT INTO commit_status_updates (run_id, commit_sha, run_status) VALUES (NEW.id, NEW.commit_sha, NEW.status);
    -- Delivered at commit; every Dispatcher listening wakes, the claim lets one of them post.
    PERFORM pg_notify('narwhal_commit_status', NEW.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER runs_commit_status_insert AFTER INSERT ON runs
FOR EACH ROW EXECUTE FUNCTION narwhal_enqueue_commit_status();

-- A status change, or the commit recorded by the Runner once a branch was resolved.
CREATE TRIGGER runs_commit_status_update AFTER UPDATE OF status, commit_sha ON runs
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                   OR (OLD.commit_sha IS NULL AND NEW.commit_sha IS NOT NULL))
EXECUTE FUNCTION narwhal_enqueue_commit_status();
