-- When the current process of each Runner started, as the database saw it: the first heartbeat of
-- a process (its sequence starts again at 1). A drain request older than that was for an earlier
-- process (already drained): a new request replaces it instead of being merged into it.
ALTER TABLE runners ADD COLUMN process_started_at timestamptz NOT NULL DEFAULT now();
