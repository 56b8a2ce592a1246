-- "Offerte": the catalogue. Each offer has a description, a duration, a price list value (in
-- cents) and is active or not; an offer is never deleted (orders and mailboxes refer to it).
-- offer_resellers lists the resellers that may sell it; the provider may sell every offer.
ALTER TABLE offers ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN months BIGINT NOT NULL DEFAULT 12;
ALTER TABLE offers ADD COLUMN price_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE offers ADD COLUMN active BIGINT NOT NULL DEFAULT 1;

CREATE TABLE offer_resellers (
    offer_id        BIGINT NOT NULL REFERENCES offers(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (offer_id, organisation_id)
);
CREATE INDEX offer_resellers_organisation ON offer_resellers(organisation_id);

-- Offers existing before the catalogue was sold by every reseller.
INSERT INTO offer_resellers (offer_id, organisation_id)
SELECT f.id, o.id FROM offers f CROSS JOIN organisations o WHERE o.kind <> 'FORNITORE';
