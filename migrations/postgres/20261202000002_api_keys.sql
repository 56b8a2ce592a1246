-- API keys of an organisation ("Chiavi API"). Only the SHA-256 of a key is kept; its first
-- characters (hint) tell keys apart in the list.
CREATE TABLE api_keys (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    scope           TEXT NOT NULL CHECK (scope IN ('LETTURA', 'SCRITTURA')),
    key_hash        TEXT NOT NULL UNIQUE,
    hint            TEXT NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES operators(id),
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT,
    revoked_by      BIGINT REFERENCES operators(id)
);
-- One live key per name in an organisation.
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (organisation_id, name) WHERE revoked_at IS NULL;

-- An order created through the API with an Idempotency-Key: a retry with the same key answers
-- the same order. The draft is claimed here first, so two concurrent retries share it.
CREATE TABLE api_idempotency (
    api_key_id   BIGINT NOT NULL REFERENCES api_keys(id),
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    draft_id     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (api_key_id, idem_key)
);
