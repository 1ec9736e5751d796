-- Approval gates: a pipeline step with `block:` is never queued. When its needs are met the advance
-- records that its approval was requested and leaves it waiting; no message exists for it and no
-- Runner ever sees it. A decision (the Api's approve or reject, or the Dispatcher's timeout) ends its
-- row succeeded, failed or timed_out, and the usual trigger advances the pipeline in that
-- transaction. While nothing else of the run is queued or running and a gate waits, the run itself
-- is `waiting`: it holds no Runner and no container, but keeps its concurrency slot.
--
-- Lock order: as in 0012, plus this: a waiting row is only ever changed under its parent's lock, so a
-- decision locks the parent first, then the gate's row (the advance skips waiting rows while holding
-- the parent). See docs/architecture.md, "Approval gates".

-- What the gate asks: { prompt, fields: [{ name, description, required, default, options }],
-- approvers: ["scope:admin" | token name], timeoutSeconds } (Narwhal.Core.Pipelines.BlockSpec). Null
-- for every other step; a gate's definition is an empty script that nothing executes.
ALTER TABLE run_steps ADD COLUMN block jsonb NULL;
-- Set by the advance when the gate's needs were met; cleared when a retried need makes it wait again.
ALTER TABLE run_steps ADD COLUMN approval_requested_at timestamptz NULL;
-- BlockDecisionNames (src/Core/Pipelines/BlockDecision.cs) lists the same names.
ALTER TABLE run_steps ADD COLUMN decision text NULL CHECK (decision IN ('approved', 'rejected', 'timed_out'));
-- The token's name (or 'timeout') and id, when, and the approved inputs (name -> value).
ALTER TABLE run_steps ADD COLUMN decided_by text NULL;
ALTER TABLE run_steps ADD COLUMN decided_by_token_id uuid NULL;
ALTER TABLE run_steps ADD COLUMN decided_at timestamptz NULL;
ALTER TABLE run_steps ADD COLUMN decision_inputs jsonb NULL;
ALTER TABLE run_steps ADD CONSTRAINT run_steps_decision_is_block CHECK (decision IS NULL OR block IS NOT NULL);
-- The Dispatcher's timeout sweep: gates waiting for a decision.
CREATE INDEX run_steps_awaiting_approval ON run_steps (approval_requested_at)
    WHERE block IS NOT NULL AND approval_requested_at IS NOT NULL AND decision IS NULL AND superseded_at IS NULL;

-- A run waiting for approval keeps its concurrency slot: it is not released when the run goes from
-- running to waiting, and counts as active until it ends (from waiting, on a rejection).
DROP INDEX runs_concurrency_active;
CREATE INDEX runs_concurrency_active ON runs (concurrency_key)
    WHERE concurrency_key IS NOT NULL AND NOT held AND (status IN ('queued', 'running') OR (pipeline AND status = 'waiting'));
DROP TRIGGER runs_release_held ON runs;
CREATE TRIGGER runs_release_held AFTER UPDATE OF status ON runs
FOR EACH ROW WHEN (NEW.concurrency_key IS NOT NULL AND NOT OLD.held
                   AND OLD.status IN ('waiting', 'queued', 'running') AND NEW.status NOT IN ('waiting', 'queued', 'running'))
EXECUTE FUNCTION narwhal_runs_release_after_end();

-- As in 0012; a pipeline waiting for approval counts as active in its line.
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
        WHERE r.concurrency_key = p_key AND NOT r.held
          AND (r.status IN ('queued', 'running') OR (r.pipeline AND r.status = 'waiting'));
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


-- As in 0012, with approval gates: a released gate is marked requested instead of queued, and the run
-- is derived waiting while only gates wait.
CREATE OR REPLACE FUNCTION narwhal_advance_pipeline_locked(p_parent uuid) RETURNS void
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
    v_awaiting text;
BEGIN
    SELECT r.status, r.pipeline, r.fail_fast, r.abort_requested_at, r.abort_requested_by INTO v_parent
    FROM runs r WHERE r.id = p_parent
    FOR UPDATE;
    -- Not a pipeline (yet), or ended: a retry re-opens the parent before it advances. A pipeline
    -- waiting for approval is as open as a running one.
    IF NOT FOUND OR NOT v_parent.pipeline OR v_parent.status NOT IN ('running', 'waiting') THEN
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
            SELECT s.run_id, s.needs, s.run_when, r.concurrency_key, s.block IS NOT NULL AS is_block
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
                -- A gate whose need was retried after its approval was requested waits for it again.
                IF v_needs.ended < cardinality(v_step.needs) THEN
                    IF v_step.is_block THEN
                        UPDATE run_steps SET approval_requested_at = NULL
                        WHERE run_id = v_step.run_id AND approval_requested_at IS NOT NULL;
                    END IF;
                    CONTINUE;
                END IF;

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

            IF v_release AND v_step.is_block THEN
                -- An approval gate is never queued: no message, no Runner. It waits for a decision
                -- (POST .../approve or .../reject, or its timeout), which ends it and advances again.
                UPDATE run_steps SET approval_requested_at = now()
                WHERE run_id = v_step.run_id AND approval_requested_at IS NULL;
            ELSIF v_release THEN
                PERFORM narwhal_release_step(v_step.run_id, v_step.concurrency_key);
            ELSE
                UPDATE runs SET status = 'skipped', status_reason = v_reason, finished_at = now(), updated_at = now()
                WHERE id = v_step.run_id;
                v_changed := true;
            END IF;
        END LOOP;

        EXIT WHEN NOT v_changed;
    END LOOP;

    -- Steps still to end: the run is waiting while nothing of it is queued or running and a gate
    -- waits for its decision, running otherwise.
    IF EXISTS (SELECT 1 FROM run_steps s JOIN runs r ON r.id = s.run_id
               WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND NOT narwhal_run_ended(r.status)) THEN
        SELECT format('Waiting for approval of step %s.', string_agg(format('''%s''', s.key), ', ' ORDER BY s.position))
        INTO v_awaiting
        FROM run_steps s JOIN runs r ON r.id = s.run_id
        WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND r.status = 'waiting' AND s.approval_requested_at IS NOT NULL
        HAVING count(*) > 0;
        IF v_awaiting IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM run_steps s JOIN runs r ON r.id = s.run_id
                           WHERE s.parent_run_id = p_parent AND s.superseded_at IS NULL AND r.status IN ('queued', 'running')) THEN
            UPDATE runs SET status = 'waiting', status_reason = v_awaiting, updated_at = now()
            WHERE id = p_parent AND (status <> 'waiting' OR status_reason IS DISTINCT FROM v_awaiting);
        ELSIF v_parent.status = 'waiting' THEN
            UPDATE runs SET status = 'running', status_reason = NULL, updated_at = now() WHERE id = p_parent;
        END IF;
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


-- As in 0012; a pipeline waiting for approval is aborted as a running one is: its gates are skipped.
CREATE OR REPLACE FUNCTION narwhal_abort_pipeline(p_parent uuid, p_by text) RETURNS SETOF uuid
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM runs r WHERE r.id = p_parent AND r.pipeline AND r.status IN ('running', 'waiting') FOR UPDATE;
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


-- As in 0012; a pipeline waiting for approval reports it (pending, "waiting for approval").
CREATE OR REPLACE FUNCTION narwhal_enqueue_commit_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A step waiting for its needs has nothing to say yet; a pipeline waiting for approval says so.
    IF NEW.commit_sha IS NULL OR (NEW.status = 'waiting' AND NOT NEW.pipeline) THEN
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
