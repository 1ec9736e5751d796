-- Fleet: per-job concurrency (maxConcurrent, concurrencyGroup). Postgres holds the gate, so every
-- path that ends a run (the Runner's finish, an abort, the Dispatcher marking it lost or timed out,
-- anything added later) releases the next waiting run without a line of C#, and nothing polls.
--
-- A run of a job with maxConcurrent carries a concurrency key: 'group:<name>' when the job names a
-- concurrencyGroup, 'job:<job name>' otherwise. It is inserted held (queued, no outbox row, so no
-- message exists for it) and narwhal_release_held(key) releases held runs in trigger order
-- (created_at, id) while the runs of that key that are active and not held are fewer than the
-- maxConcurrent of the head run's job, as stored now. Releasing = held false, queued_at now(), an
-- ExecuteRun outbox row, and pg_notify('narwhal_outbox', <outbox id>) for the Api's outbox relay.
-- Trigger and release of one key are serialised by a transaction-level advisory lock on the key.

ALTER TABLE runs ADD COLUMN concurrency_key text NULL;
ALTER TABLE runs ADD COLUMN held boolean NOT NULL DEFAULT false;
ALTER TABLE runs ADD CONSTRAINT runs_held_is_queued CHECK (NOT held OR (status = 'queued' AND concurrency_key IS NOT NULL));
-- The wait line of a key, in trigger order.
CREATE INDEX runs_held_in_order ON runs (concurrency_key, created_at, id) WHERE held;
-- What occupies a key's slots: queued (published) or running, not held.
CREATE INDEX runs_concurrency_active ON runs (concurrency_key)
    WHERE concurrency_key IS NOT NULL AND NOT held AND status IN ('queued', 'running');

-- The lock every trigger and release of a key takes. Two-argument form: a space of its own, apart
-- from the single-bigint advisory locks (migrations, admin bootstrap). 7007 names this migration.
CREATE FUNCTION narwhal_lock_concurrency(p_key text) RETURNS void
LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(7007, hashtext(p_key)) $$;

-- Releases held runs of p_key in trigger order while the key has room. Returns what it released.
-- Notifies the outbox relay of each released row except p_quiet_run's (the trigger request that
-- inserted that run publishes it itself right after commit).
CREATE FUNCTION narwhal_release_held(p_key text, p_quiet_run uuid DEFAULT NULL)
RETURNS TABLE (released_run_id uuid, released_outbox_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_head record;
    v_limit integer;
    v_active integer;
    v_outbox bigint;
BEGIN
    PERFORM narwhal_lock_concurrency(p_key);
    LOOP
        SELECT r.id, r.job_id, r.job_name, r.number, r.resource_class INTO v_head
        FROM runs r
        WHERE r.concurrency_key = p_key AND r.held
        ORDER BY r.created_at, r.id
        LIMIT 1;
        EXIT WHEN NOT FOUND;

        -- The head's job as it is now: a raised limit applies at once; a removed one frees the line.
        SELECT (j.spec ->> 'maxConcurrent')::integer INTO v_limit FROM jobs j WHERE j.id = v_head.job_id;
        SELECT count(*) INTO v_active
        FROM runs r
        WHERE r.concurrency_key = p_key AND NOT r.held AND r.status IN ('queued', 'running');
        EXIT WHEN v_limit IS NOT NULL AND v_active >= v_limit;

        UPDATE runs SET held = false, queued_at = now(), updated_at = now()
        WHERE id = v_head.id AND held AND status = 'queued';
        -- Aborted meanwhile (the abort waited for nothing of ours): look at the line again.
        CONTINUE WHEN NOT FOUND;

        -- The same message RunStore writes: ExecuteRun, camelCase, to the queue of the run's class
        -- (RunQueues.QueueName). ConcurrencyHold_Specs reads it back as an ExecuteRun.
        INSERT INTO outbox (run_id, queue, message_type, payload)
        VALUES (v_head.id, 'narwhal.runs.' || v_head.resource_class, 'ExecuteRun',
                jsonb_build_object('runId', v_head.id, 'jobName', v_head.job_name, 'runNumber', v_head.number,
                                   'resourceClass', v_head.resource_class, 'enqueuedAt', now()))
        RETURNING id INTO v_outbox;
        IF p_quiet_run IS DISTINCT FROM v_head.id THEN
            PERFORM pg_notify('narwhal_outbox', v_outbox::text);
        END IF;

        released_run_id := v_head.id;
        released_outbox_id := v_outbox;
        RETURN NEXT;
    END LOOP;
END $$;

-- A held run leaves the line with any status change: it is no longer held. It is never claimed: no
-- message exists for it, and a stray one (a manual publish) finds the claim refused and is skipped.
CREATE FUNCTION narwhal_runs_unhold() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'running' THEN
        RETURN NULL;
    END IF;
    NEW.held := false;
    RETURN NEW;
END $$;

CREATE TRIGGER runs_unhold BEFORE UPDATE OF status ON runs
FOR EACH ROW WHEN (OLD.held AND NEW.status <> 'queued')
EXECUTE FUNCTION narwhal_runs_unhold();

-- A run that occupied a slot (active, not held) ended: the next ones of its key may start.
CREATE FUNCTION narwhal_runs_release_after_end() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM narwhal_release_held(NEW.concurrency_key);
    RETURN NULL;
END $$;

CREATE TRIGGER runs_release_held AFTER UPDATE OF status ON runs
FOR EACH ROW WHEN (NEW.concurrency_key IS NOT NULL AND NOT OLD.held
                   AND OLD.status IN ('queued', 'running') AND NEW.status NOT IN ('queued', 'running'))
EXECUTE FUNCTION narwhal_runs_release_after_end();

-- A job's maxConcurrent changed (PUT /jobs): its held runs may start now. Keys in order, so two
-- such updates never wait for each other's locks in opposite orders.
CREATE FUNCTION narwhal_jobs_release_after_limit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_key text;
BEGIN
    FOR v_key IN SELECT DISTINCT r.concurrency_key FROM runs r WHERE r.job_id = NEW.id AND r.held ORDER BY 1
    LOOP
        PERFORM narwhal_release_held(v_key);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_release_held AFTER UPDATE OF spec ON jobs
FOR EACH ROW WHEN (OLD.spec -> 'maxConcurrent' IS DISTINCT FROM NEW.spec -> 'maxConcurrent')
EXECUTE FUNCTION narwhal_jobs_release_after_limit_change();
