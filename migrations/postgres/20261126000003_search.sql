-- "Ricerca" matches prefixes (LIKE 'abc%'): PostgreSQL uses a b-tree for that only with the
-- pattern operator class, whatever the database's collation.
CREATE INDEX mailboxes_address_prefix ON mailboxes (address text_pattern_ops);
CREATE INDEX mailboxes_nickname_prefix ON mailboxes (nickname text_pattern_ops);
CREATE INDEX mailboxes_userid_prefix ON mailboxes (userid text_pattern_ops);
CREATE INDEX mailboxes_tax_code_prefix ON mailboxes (tax_code text_pattern_ops);
CREATE INDEX mailboxes_reference_prefix ON mailboxes (reference text_pattern_ops);
CREATE INDEX mailboxes_last_name_prefix ON mailboxes (UPPER(last_name) text_pattern_ops);
CREATE INDEX mailboxes_first_name_prefix ON mailboxes (UPPER(first_name) text_pattern_ops);
CREATE INDEX orders_number_prefix ON orders (number text_pattern_ops);
