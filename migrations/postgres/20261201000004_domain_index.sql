-- A domain's mailboxes (Gestione domini's count, and the check that a dismissed or removed
-- domain has none) found by the generated `domain` column, not by a LIKE over every address.
CREATE INDEX mailboxes_domain ON mailboxes (domain);
