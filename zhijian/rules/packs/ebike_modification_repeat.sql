-- New e-bike modification cases (violation containing 改装, decided in (new_since, as_of])
-- whose brand/model (trimmed, case-insensitive) matches an earlier case decided since
-- lookback_since; the evidence lists the earlier cases.
SELECT n.entity_id AS entity_id,
       'brand:' || UPPER(TRIM(n.brand_model)) AS "key",
       n.number AS penalty_number,
       o.number AS earlier_penalty_number,
       o.decided_on AS earlier_decided_on,
       o.party AS earlier_party
FROM registry_penaltyrecord n
JOIN registry_penaltyrecord o
  ON UPPER(TRIM(o.brand_model)) = UPPER(TRIM(n.brand_model))
 AND o.id <> n.id
 AND o.violation LIKE '%%改装%%'
 AND o.decided_on >= %(lookback_since)s
 AND (o.decided_on < n.decided_on OR (o.decided_on = n.decided_on AND o.id < n.id))
JOIN registry_entity e ON e.id = n.entity_id
WHERE n.violation LIKE '%%改装%%'
  AND TRIM(n.brand_model) <> ''
  AND n.decided_on > %(new_since)s AND n.decided_on <= %(as_of)s
ORDER BY n.entity_id, o.decided_on
