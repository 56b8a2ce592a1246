-- Every contract PDF issued for an order ("Download Contratto"): a signed contract is accepted
-- only when the document it signs is one of these (its SHA-256 and length).
CREATE TABLE issued_contracts (
    id        BIGSERIAL PRIMARY KEY,
    order_id  BIGINT NOT NULL REFERENCES orders(id),
    sha256    TEXT NOT NULL,
    bytes     BIGINT NOT NULL,
    issued_at TEXT NOT NULL,
    UNIQUE (order_id, sha256)
);

-- Who signed the uploaded contract and when, as its verified signature says; verified = 0 for
-- contracts accepted without verification (before it existed, or on a test installation).
ALTER TABLE contracts ADD COLUMN signer_name TEXT;
ALTER TABLE contracts ADD COLUMN signer_tax_code TEXT;
ALTER TABLE contracts ADD COLUMN signed_at TEXT;
ALTER TABLE contracts ADD COLUMN verified BIGINT NOT NULL DEFAULT 0;
