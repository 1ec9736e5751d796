-- Retention: when a run's stored logs and results were deleted, so the API can say why they are gone.
ALTER TABLE runs ADD COLUMN results_expired_at timestamptz NULL;
CREATE INDEX runs_unexpired_finished ON runs (job_id, created_at DESC) WHERE results_expired_at IS NULL AND status NOT IN ('queued', 'running');
