-- GitHub: every signed webhook delivery, once. The delivery id (X-GitHub-Delivery) is the key:
-- a redelivery of the same id finds its row and triggers nothing more, also when two arrive at once
-- (the second insert waits for the first transaction and then conflicts). The row, the runs it
-- queued and the runs it superseded are written in one transaction.

CREATE TABLE github_deliveries (
    id                  text        PRIMARY KEY,
    event               text        NOT NULL,
    action              text        NULL,
    -- owner/name of the repository the webhook belongs to, as the payload says it.
    repository          text        NULL,
    -- DeliveryOutcomeNames (src/Core/Github/Webhooks/DeliveryOutcome.cs) lists the same names.
    outcome             text        NOT NULL CHECK (outcome IN ('triggered', 'ignored', 'rejected')),
    -- Why nothing (or not everything) was triggered; why a delivery was rejected.
    reason              text        NULL,
    run_ids             uuid[]      NOT NULL DEFAULT '{}',
    -- Queued or running runs of older commits of the same pull request it aborted (github.cancelSuperseded).
    superseded_run_ids  uuid[]      NOT NULL DEFAULT '{}',
    received_at         timestamptz NOT NULL DEFAULT now()
);
-- GET /hooks/github/deliveries: newest first, keyset-paged on (received_at, id).
CREATE INDEX github_deliveries_newest ON github_deliveries (received_at DESC, id DESC);
