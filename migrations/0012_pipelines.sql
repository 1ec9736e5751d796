-- Pipelines: a run made of steps that need each other. Postgres advances the graph, so every path
-- that ends a step (the Runner's fenced finish, an abort, the Dispatcher marking it lost or timed
-- out, anything added later) releases what may run next in the transaction of that write, without
-- a line of C# and without polling: a step is never released twice, and never left waiting.
--
-- Each attempt of a step is a child row of runs: claimed, fenced, logged, timed out, lost and
-- retried on loss by the machinery plain runs already have. Its run_steps row holds its place in
-- the graph. The top-level run (the parent) is claimed once by a Runner to plan it; from then on it
-- has pipeline = true, no Runner, and its status is derived from its steps here.
--
-- Lock order, everywhere: the row of the step a write ends, then its parent (FOR UPDATE), then the
-- concurrency keys of the pipeline in key order, then other rows. Holding a parent, nothing waits
-- for the lock of a running step (SKIP LOCKED: whoever holds it is ending it and advances the
-- pipeline right after us), so two steps of one pipeline ending at once serialise on the parent
-- and never deadlock. A queued step's lock is waited for: only a claim holds it, and a claim
-- takes nothing else. See docs/architecture.md, "Pipelines".

-- RunStatusNames (src/Core/Runs/RunStatusNames.cs) lists the same names.
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('waiting', 'queued', 'running', 'succeeded', 'failed', 'timed_out', 'aborted', 'lost', 'error', 'skipped'));

ALTER TABLE runs ADD COLUMN parent_run_id uuid NULL REFERENCES runs (id);
-- A top-level run whose work is its steps.
ALTER TABLE runs ADD COLUMN pipeline boolean NOT NULL DEFAULT false;
ALTER TABLE runs ADD COLUMN fail_fast boolean NOT NULL DEFAULT false;

-- Run numbers belong to top-level runs; a step's row carries its run's number.
ALTER TABLE runs DROP CONSTRAINT runs_job_id_number_key;
CREATE UNIQUE INDEX runs_job_number ON runs (job_id, number) WHERE parent_run_id IS NULL;
CREATE INDEX runs_children ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
-- Active runs include waiting steps (RunStatusTransitions.IsActive): counts by status stay on the index.
DROP INDEX runs_active;
CREATE INDEX runs_active ON runs (status) WHERE status IN ('waiting', 'queued', 'running');

CREATE TABLE run_steps (
    -- The child runs row executing this attempt of the step.
    run_id            uuid        PRIMARY KEY REFERENCES runs (id),
    parent_run_id     uuid        NOT NULL REFERENCES runs (id),
    key               text        NOT NULL,
    -- Order in the file: steps become ready in this order, and are listed in it.
    position          integer     NOT NULL,
    -- 1 + retries of this step (POST /runs/{id}/steps/{key}/retry).
    step_attempt      integer     NOT NULL DEFAULT 1,
    needs             text[]      NOT NULL DEFAULT '{}',
    -- The needs whose stored artifacts the Runner places in this step's workspace.
    artifacts_from    text[]      NOT NULL DEFAULT '{}',
    -- StepWhenNames (src/Core/Pipelines/StepWhenNames.cs) lists the same names.
    run_when          text        NOT NULL DEFAULT 'success' CHECK (run_when IN ('success', 'failure', 'always')),
    allow_failure     boolean     NOT NULL DEFAULT false,
    -- Null: the job's retry.onLost.
    retry_on_lost     integer     NULL,
    -- The step's concurrency limit, with runs.concurrency_key of its row ('group:<name>').
    concurrency_limit integer     NULL,
    -- What the Runner executes; its shape is the Runner's.
    definition        jsonb       NOT NULL,
    -- A retry replaced this attempt; the graph only ever looks at current attempts.
    superseded_at     timestamptz NULL
);
CREATE UNIQUE INDEX run_steps_current ON run_steps (parent_run_id, key) WHERE superseded_at IS NULL;
CREATE INDEX run_steps_by_parent ON run_steps (parent_run_id, position);

-- Status classes, named once for the functions below (RunStatusTransitions says the same in C#).
CREATE FUNCTION narwhal_run_ended(p_status text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_status NOT IN ('waiting', 'queued', 'running') $$;

-- Ended badly: what fails a pipeline unless the step may fail (allow_failure).
CREATE FUNCTION narwhal_run_failed(p_status text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_status IN ('failed', 'timed_out', 'error', 'lost') $$;

-- What a step's dependents count as success: succeeded, or failed when it was allowed to.
-- Aborted and skipped never are.
CREATE FUNCTION narwhal_step_succeeded(p_status text, p_allow_failure boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_status = 'succeeded' OR (p_allow_failure AND narwhal_run_failed(p_status)) $$;

-- The ExecuteRun outbox row of a run, as RunStore writes it: camelCase, to the queue of the run's
-- class (RunQueues.QueueName). Notified to the outbox relay unless the caller publishes it itself.
CREATE FUNCTION narwhal_enqueue_execute_run(p_run uuid, p_notify boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_outbox bigint;
BEGIN
    INSERT INTO outbox (run_id, queue, message_type, payload)
    SELECT r.id, 'narwhal.runs.' || r.resource_class, 'ExecuteRun',
           jsonb_build_object('runId', r.id, 'jobName', r.job_name, 'runNumber', r.number,
                              'resourceClass', r.resource_class, 'enqueuedAt', now())
    FROM runs r WHERE r.id = p_run
    RETURNING id INTO v_outbox;
    IF p_notify THEN
        PERFORM pg_notify('narwhal_outbox', v_outbox::text);
    END IF;
    RETURN v_outbox;
END $$;

-- As in 0007, but a step at the head of the line is limited by its own concurrency (default 1),
-- not by its job's maxConcurrent: the key namespace is shared, the limit is the head's.
CREATE OR REPLACE FUNCTION narwhal_release_held(p_key text, p_quiet_run uuid DEFAULT NULL)
RETURNS TABLE (released_run_id uuid, released_outbox_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_head record;
    v_limit integer;
    v_active integer;
BEGIN
    PERFORM narwhal_lock_concurrency(p_key);
    LOOP
        SELECT r.id, r.job_id INTO v_head
        FROM runs r
        WHERE r.concurrency_key = p_key AND r.held
        ORDER BY r.created_at, r.id
        LIMIT 1;
        EXIT WHEN NOT FOUND;

        SELECT COALESCE(s.concurrency_limit, 1) INTO v_limit FROM run_steps s WHERE s.run_id = v_head.id;
        IF NOT FOUND THEN
            -- The head's job as it is now: a raised limit applies at once; a removed one frees the line.
            SELECT (j.spec ->> 'maxConcurrent')::integer INTO v_limit FROM jobs j WHERE j.id = v_head.job_id;
        END IF;
        SELECT count(*) INTO v_active
        FROM runs r
        WHERE r.concurrency_key = p_key AND NOT r.held AND r.status IN ('queued', 'running');
        EXIT WHEN v_limit IS NOT NULL AND v_active >= v_limit;

        UPDATE runs SET held = false, queued_at = now(), updated_at = now()
        WHERE id = v_head.id AND held AND status = 'queued';
        -- Aborted meanwhile (the abort waited for nothing of ours): look at the line again.
        CONTINUE WHEN NOT FOUND;

        released_run_id := v_head.id;
        released_outbox_id := narwhal_enqueue_execute_run(v_head.id, p_quiet_run IS DISTINCT FROM v_head.id);
        RETURN NEXT;
    END LOOP;
END $$;

-- The concurrency keys a pipeline's advance or abort may take (its steps', and the parent's own,
-- released when the parent ends), taken at once in key order after the parent: two transactions
-- never hold two of them in opposite orders, and a release of one of these keys in progress
-- elsewhere is waited for before any step row is touched.
CREATE FUNCTION narwhal_lock_pipeline_keys(p_parent uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_key text;
BEGIN
    FOR v_key IN
        SELECT k.key FROM (SELECT r.concurrency_key AS key FROM runs r WHERE r.parent_run_id = p_parent
                           UNION SELECT r.concurrency_key FROM runs r WHERE r.id = p_parent) k
        WHERE k.key IS NOT NULL
        ORDER BY k.key
    LOOP
        PERFORM narwhal_lock_concurrency(v_key);
    END LOOP;
END $$;

-- A step becomes eligible: queued with an ExecuteRun outbox row, or held in its concurrency line
-- (released at once when the line has room).
CREATE FUNCTION narwhal_release_step(p_run uuid, p_key text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE runs SET status = 'queued', held = p_key IS NOT NULL, queued_at = now(), updated_at = now()
    WHERE id = p_run AND status = 'waiting';
    IF p_key IS NULL THEN
        PERFORM narwhal_enqueue_execute_run(p_run, true);
    ELSE
        PERFORM narwhal_release_held(p_key);
    END IF;
END $$;

-- The work of narwhal_advance_pipeline, with the parent locked here. Loops until nothing changes:
-- a skipped or aborted step is ended, and may be the last need of another.
CREATE FUNCTION narwhal_advance_pipeline_locked(p_parent uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_parent record;
    v_failing record;
    v_step record;
    v_needs record;
    v_changed boolean;
    v_release boolean;
    v_reason text;
    v_fail_fast_reason text;
    v_count integer;
BEGIN
    SELECT r.status, r.pipeline, r.fail_fast, r.abort_requested_at, r.abort_requested_by INTO v_parent
    FROM runs r WHERE r.id = p_parent
    FOR UPDATE;
    -- Not a pipeline (yet), or ended: a retry re-opens the parent before it advances.
    IF NOT FOUND OR NOT v_parent.pipeline OR v_parent.status <> 'running' THEN
        RETURN;
    END IF;
    PERFORM narwhal_lock_pipeline_keys(p_parent);

    -- The step that fails the run: the first to end badly without allow_failure. Only this
    -- transaction's own writes and committed ones can change it, and skips and aborts never do.
    SELECT s.key, r.status, r.exit_code, r.status_reason INTO v_failing
    FROM run_steps s JOIN runs r ON r.id = s.run_id
    WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND NOT s.allow_failure AND narwhal_run_failed(r.status)
    ORDER BY r.finished_at, r.id
    LIMIT 1;
    IF FOUND AND v_parent.fail_fast THEN
        v_fail_fast_reason := format('Fail fast: step ''%s'' failed.', v_failing.key);
    END IF;

    LOOP
        v_changed := false;

        -- Fail fast stops the steps that need everything to succeed; failure and always steps run on.
        -- A step being claimed is waited for (the claim ends its statement and commits without
        -- waiting for anything of ours): it is then running, and asked to abort next.
        IF v_fail_fast_reason IS NOT NULL THEN
            UPDATE runs SET status = 'aborted', status_reason = v_fail_fast_reason, finished_at = now(), updated_at = now(),
                abort_requested_at = now(), abort_requested_by = 'fail-fast'
            WHERE id IN (SELECT r.id FROM run_steps s JOIN runs r ON r.id = s.run_id
                         WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND s.run_when = 'success'
                           AND r.status = 'queued')
              AND status = 'queued';
            GET DIAGNOSTICS v_count = ROW_COUNT;
            v_changed := v_count > 0;
            -- The Runner sees the request at its next control check and ends the step aborted. A row
            -- locked now is being ended (or queued again after a loss: its claim asks it to abort).
            UPDATE runs SET abort_requested_at = now(), abort_requested_by = 'fail-fast', updated_at = now()
            WHERE id IN (SELECT r.id FROM run_steps s JOIN runs r ON r.id = s.run_id
                         WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND s.run_when = 'success'
                           AND r.status = 'running' AND r.abort_requested_at IS NULL
                         FOR UPDATE OF r SKIP LOCKED);
        END IF;

        -- Waiting rows are only ever changed under the parent's lock: no SKIP LOCKED needed.
        FOR v_step IN
            SELECT s.run_id, s.needs, s.run_when, r.concurrency_key
            FROM run_steps s JOIN runs r ON r.id = s.run_id
            WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND r.status = 'waiting'
            ORDER BY s.position
        LOOP
            v_release := false;
            v_reason := NULL;
            -- Whatever their needs do: these would be skipped once they end anyway.
            IF v_parent.abort_requested_at IS NOT NULL THEN
                v_reason := 'The run was aborted.';
            ELSIF v_step.run_when = 'success' AND v_fail_fast_reason IS NOT NULL THEN
                v_reason := v_fail_fast_reason;
            ELSE
                SELECT count(*) FILTER (WHERE narwhal_run_ended(r.status)) AS ended,
                       count(*) FILTER (WHERE narwhal_step_succeeded(r.status, s.allow_failure)) AS succeeded,
                       (array_agg(s.key ORDER BY s.position)
                            FILTER (WHERE NOT narwhal_step_succeeded(r.status, s.allow_failure)))[1] AS first_unsuccessful
                INTO v_needs
                FROM run_steps s JOIN runs r ON r.id = s.run_id
                WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND s.key = ANY (v_step.needs);
                -- A need still to end (a need without a current row, which planning refuses, never ends).
                CONTINUE WHEN v_needs.ended < cardinality(v_step.needs);

                IF v_step.run_when = 'always' THEN
                    v_release := true;
                ELSIF v_step.run_when = 'failure' THEN
                    v_release := v_needs.succeeded < v_needs.ended;
                    v_reason := 'No step it needs failed.';
                ELSE
                    v_release := v_needs.succeeded = v_needs.ended;
                    v_reason := format('Step ''%s'' it needs did not succeed.', v_needs.first_unsuccessful);
                END IF;
            END IF;

            IF v_release THEN
                PERFORM narwhal_release_step(v_step.run_id, v_step.concurrency_key);
            ELSE
                UPDATE runs SET status = 'skipped', status_reason = v_reason, finished_at = now(), updated_at = now()
                WHERE id = v_step.run_id;
                v_changed := true;
            END IF;
        END LOOP;

        EXIT WHEN NOT v_changed;
    END LOOP;

    -- Every step ended: the run ends with the first failure, else aborted, else succeeded.
    IF EXISTS (SELECT 1 FROM run_steps s JOIN runs r ON r.id = s.run_id
               WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND NOT narwhal_run_ended(r.status)) THEN
        RETURN;
    END IF;
    IF v_failing.key IS NOT NULL THEN
        UPDATE runs SET status = v_failing.status, exit_code = v_failing.exit_code,
            status_reason = format('Step ''%s'' %s', v_failing.key, replace(v_failing.status, '_', ' '))
                            || COALESCE(': ' || v_failing.status_reason, '.'),
            finished_at = now(), updated_at = now()
        WHERE id = p_parent;
    ELSIF v_parent.abort_requested_at IS NOT NULL THEN
        UPDATE runs SET status = 'aborted', status_reason = format('Aborted by %s.', COALESCE(v_parent.abort_requested_by, 'unknown')),
            finished_at = now(), updated_at = now()
        WHERE id = p_parent;
    ELSE
        SELECT s.key, r.status_reason INTO v_step
        FROM run_steps s JOIN runs r ON r.id = s.run_id
        WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND r.status = 'aborted'
        ORDER BY r.finished_at, r.id
        LIMIT 1;
        IF FOUND THEN
            UPDATE runs SET status = 'aborted',
                status_reason = format('Step ''%s'' aborted', v_step.key) || COALESCE(': ' || v_step.status_reason, '.'),
                finished_at = now(), updated_at = now()
            WHERE id = p_parent;
        ELSE
            UPDATE runs SET status = 'succeeded', status_reason = NULL, finished_at = now(), updated_at = now()
            WHERE id = p_parent;
        END IF;
    END IF;
END $$;

-- Releases the steps of p_parent whose needs ended (or skips them), applies fail fast, and ends
-- the parent when every step ended. Called by the trigger below when a step ends, and directly by
-- whoever records a plan or retries steps; idempotent. The transaction-local setting is the
-- re-entrancy guard: the steps it ends itself (skips, fail-fast aborts) fire the trigger again,
-- and its own loop already handles them.
CREATE FUNCTION narwhal_advance_pipeline(p_parent uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_outer text := current_setting('narwhal.advancing_pipeline', true);
BEGIN
    IF v_outer = p_parent::text THEN
        RETURN;
    END IF;
    PERFORM set_config('narwhal.advancing_pipeline', p_parent::text, true);
    PERFORM narwhal_advance_pipeline_locked(p_parent);
    -- Cleared, not left set: a later write of this transaction (a second step ended) advances again.
    PERFORM set_config('narwhal.advancing_pipeline', COALESCE(v_outer, ''), true);
END $$;

CREATE FUNCTION narwhal_runs_advance_pipeline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM narwhal_advance_pipeline(NEW.parent_run_id);
    RETURN NULL;
END $$;

-- Only an ending matters: a claim (queued -> running) or a lost step queued again changes nothing
-- for the graph, and must not wait for the parent's lock. Named to fire before runs_release_held
-- (same event, alphabetical order): the parent is locked before any concurrency key.
CREATE TRIGGER runs_advance_pipeline AFTER UPDATE OF status ON runs
FOR EACH ROW WHEN (NEW.parent_run_id IS NOT NULL AND OLD.status IS DISTINCT FROM NEW.status
                   AND NEW.status NOT IN ('waiting', 'queued', 'running'))
EXECUTE FUNCTION narwhal_runs_advance_pipeline();

-- A step claimed after its run was aborted, or failed fast, is asked to abort at once: a lost step
-- queued again, whose row the abort or the advance skipped while it was being requeued. Reads
-- what is committed and locks nothing (a claim must never wait for the parent).
CREATE FUNCTION narwhal_runs_step_claimed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_parent record;
BEGIN
    SELECT r.fail_fast, r.abort_requested_at, r.abort_requested_by INTO v_parent
    FROM runs r WHERE r.id = NEW.parent_run_id;
    IF NEW.abort_requested_at IS NOT NULL THEN
        RETURN NEW;
    END IF;
    IF v_parent.abort_requested_at IS NOT NULL THEN
        NEW.abort_requested_at := v_parent.abort_requested_at;
        NEW.abort_requested_by := v_parent.abort_requested_by;
    ELSIF v_parent.fail_fast
          AND EXISTS (SELECT 1 FROM run_steps s WHERE s.run_id = NEW.id AND s.run_when = 'success')
          AND EXISTS (SELECT 1 FROM run_steps s JOIN runs r ON r.id = s.run_id
                      WHERE s.parent_run_id = NEW.parent_run_id AND s.superseded_at IS NULL AND NOT s.allow_failure
                        AND narwhal_run_failed(r.status)) THEN
        NEW.abort_requested_at := now();
        NEW.abort_requested_by := 'fail-fast';
    END IF;
    RETURN NEW;
END $$;

-- Not for held rows: runs_unhold refuses their claim.
CREATE TRIGGER runs_step_claimed BEFORE UPDATE OF status ON runs
FOR EACH ROW WHEN (NEW.parent_run_id IS NOT NULL AND NOT OLD.held AND OLD.status = 'queued' AND NEW.status = 'running')
EXECUTE FUNCTION narwhal_runs_step_claimed();

-- Aborts a pipeline: the parent is marked (the Runner's control check treats that as an abort of
-- its running steps), queued steps end aborted, running ones are asked to abort, waiting ones are
-- skipped by the advance. Returns the running steps asked, for the AbortRun broadcast. Nothing for
-- a run that is not a running pipeline.
CREATE FUNCTION narwhal_abort_pipeline(p_parent uuid, p_by text) RETURNS SETOF uuid
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM runs r WHERE r.id = p_parent AND r.pipeline AND r.status = 'running' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM narwhal_lock_pipeline_keys(p_parent);

    UPDATE runs SET abort_requested_at = COALESCE(abort_requested_at, now()),
        abort_requested_by = COALESCE(abort_requested_by, p_by), updated_at = now()
    WHERE id = p_parent;

    -- Queued steps first, waiting for a claim in progress: it is running by the next statement.
    UPDATE runs SET status = 'aborted', status_reason = format('Aborted by %s before it started.', p_by),
        finished_at = now(), updated_at = now(),
        abort_requested_at = COALESCE(abort_requested_at, now()), abort_requested_by = COALESCE(abort_requested_by, p_by)
    WHERE id IN (SELECT r.id FROM run_steps s JOIN runs r ON r.id = s.run_id
                 WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND r.status = 'queued')
      AND status = 'queued';

    -- SKIP LOCKED, as in the advance: a running step locked now is being ended.
    RETURN QUERY
    UPDATE runs SET abort_requested_at = COALESCE(abort_requested_at, now()),
        abort_requested_by = COALESCE(abort_requested_by, p_by), updated_at = now()
    WHERE id IN (SELECT r.id FROM run_steps s JOIN runs r ON r.id = s.run_id
                 WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND r.status = 'running'
                 FOR UPDATE OF r SKIP LOCKED)
    RETURNING id;

    PERFORM narwhal_advance_pipeline(p_parent);
END $$;

-- As in 0009, but a step reports nothing of its own: the commit's status is its run's, reported
-- from the parent row, whose status the advance derives.
CREATE OR REPLACE FUNCTION narwhal_enqueue_commit_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A step waiting for its needs has nothing to say yet.
    IF NEW.commit_sha IS NULL OR NEW.status = 'waiting' THEN
        RETURN NULL;
    END IF;
    -- A step reports only when its job asks for statuses per step (github.stepStatuses); its row
    -- carries its run's trigger, so the rule below applies to it as to its run.
    IF NEW.parent_run_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM jobs j
                       WHERE j.id = NEW.job_id AND (j.spec -> 'github' ->> 'stepStatuses') = 'true') THEN
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
