-- "Gestione domini": a domain's kind (CONDIVISO, TERZO_LIVELLO, CLIENTE), its certification
-- state (IN_ATTESA, CERTIFICATO, SOSPESO, DISMESSO) and the customer it serves. Names are
-- stored in lower case (the shared core's rule), so UNIQUE(name) refuses duplicates in any case.
ALTER TABLE domains ADD COLUMN kind TEXT NOT NULL DEFAULT 'CONDIVISO';
ALTER TABLE domains ADD COLUMN state TEXT NOT NULL DEFAULT 'CERTIFICATO';
ALTER TABLE domains ADD COLUMN customer_id INTEGER REFERENCES customers(id);
UPDATE domains SET kind = 'TERZO_LIVELLO'
 WHERE organisation_id IN (SELECT id FROM organisations WHERE kind <> 'FORNITORE');
