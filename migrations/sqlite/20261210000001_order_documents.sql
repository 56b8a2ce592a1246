-- An order's documents ("caricare eventuale documentazione"): kept in the database, so that
-- every server process serves them, with what the audit and the page need. The file name is
-- shown on the order's page only (never logged).
CREATE TABLE order_documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    doc_type    TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    format      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    data        BLOB NOT NULL,
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX order_documents_order ON order_documents (order_id);

-- How many documents an order holds, kept in the transaction that adds or removes one: the
-- bound of 20 is decided by one conditional UPDATE of the order's row, which also orders an
-- upload or a removal after a concurrent fulfilment or cancellation.
ALTER TABLE orders ADD COLUMN document_count INTEGER NOT NULL DEFAULT 0;
-- When an order was cancelled: its documents are removed after the retention period.
ALTER TABLE orders ADD COLUMN cancelled_at TEXT;
