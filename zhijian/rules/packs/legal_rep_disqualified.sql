-- A live entity whose legal representative was, within the restriction window, the legal
-- representative of another entity whose business licence was revoked (吊销; the revocation
-- date is deregistered_on). Revoked entities on the serious violators list are left to the
-- list's own handling.
SELECT e.id AS entity_id,
       'person:' || CAST(e.legal_rep_id AS VARCHAR(20)) AS "key",
       r.uscc AS revoked_uscc,
       r.name AS revoked_name,
       r.deregistered_on AS revoked_on
FROM registry_entity r
JOIN registry_entity e
  ON e.legal_rep_id = r.legal_rep_id AND e.id <> r.id AND e.status = '存续'
WHERE r.status = '吊销'
  AND r.legal_rep_id IS NOT NULL
  AND r.deregistered_on > %(revoked_since)s
  AND r.deregistered_on <= %(as_of)s
  AND NOT EXISTS (
      SELECT 1 FROM registry_creditlisting c
      WHERE c.entity_id = r.id
        AND c.list_type = '严重违法失信名单'
        AND c.listed_on <= %(as_of)s
        AND (c.removed_on IS NULL OR c.removed_on > %(as_of)s)
  )
ORDER BY e.id, r.uscc
