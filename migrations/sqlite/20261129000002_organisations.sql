-- "Organizzazioni": a reseller can be disabled (its operators can no longer log in and their
-- sessions end); it is never deleted, its orders and mailboxes stay.
ALTER TABLE organisations ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
