-- Report's "Spazio disco per cliente" reads these counts, not every mailbox: summing the disk
-- space of 1,000,000 mailboxes (with what the mail server reports in mail_usage) took 440 ms,
-- more than the whole Report page may. The hourly housekeeping counts them again, per order
-- and offer (so Report's filters still apply), in one transaction; report_counts says when.
CREATE TABLE disk_usage_counts (
    order_id    BIGINT NOT NULL,
    offer_id    BIGINT NOT NULL,
    used_bytes  BIGINT NOT NULL,
    assigned_mb BIGINT NOT NULL,
    PRIMARY KEY (order_id, offer_id)
);
-- When each derived count was last made ('' = never); one process claims the next count by
-- moving counted_at forward in one statement.
CREATE TABLE report_counts (
    name       TEXT PRIMARY KEY,
    counted_at TEXT NOT NULL
);
INSERT INTO report_counts (name, counted_at) VALUES ('disk_usage', '');
