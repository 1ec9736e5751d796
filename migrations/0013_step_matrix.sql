-- Matrix steps: a step written with `matrix:` is recorded as one row per combination. Each such row
-- keeps the key of the step as written and its values, so that the API and the web UI can show the
-- instances together and a reader need not parse the values back out of the instance's key.

-- {"of": the key as written, "values": {name: value}}; NULL for a step without a matrix.
ALTER TABLE run_steps ADD COLUMN matrix jsonb;

