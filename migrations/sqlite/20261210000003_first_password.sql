-- An operator whose password an administrator typed (Nuovo operatore, a new reseller's
-- administrator) changes it at the first login, before anything else opens (Il mio profilo).
ALTER TABLE operators ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
