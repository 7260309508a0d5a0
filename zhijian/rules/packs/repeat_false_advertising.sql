-- Entities with at least :min_penalties false-advertising (虚假广告) penalties decided in
-- [since, as_of]; the evidence lists those penalties.
SELECT p.entity_id AS entity_id,
       'false_advertising' AS "key",
       p.number AS penalty_number,
       p.decided_on AS decided_on,
       p.authority AS authority
FROM registry_penaltyrecord p
JOIN registry_entity e ON e.id = p.entity_id
WHERE p.violation = '虚假广告'
  AND p.decided_on >= %(since)s AND p.decided_on <= %(as_of)s
  AND p.entity_id IN (
      SELECT entity_id FROM registry_penaltyrecord
      WHERE violation = '虚假广告' AND entity_id IS NOT NULL
        AND decided_on >= %(since)s AND decided_on <= %(as_of)s
      GROUP BY entity_id
      HAVING COUNT(*) >= %(min_penalties)s
  )
ORDER BY p.entity_id, p.decided_on
