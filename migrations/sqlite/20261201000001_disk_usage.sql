-- "Azz." of the used disk space: the day the counter was last reset (NULL: never).
ALTER TABLE mailboxes ADD COLUMN disk_reset_at TEXT;
