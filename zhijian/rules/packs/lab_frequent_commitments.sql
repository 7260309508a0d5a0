-- Qualification approvals by commitment (告知承诺) issued in [since, as_of] and after the
-- lab's latest inspection on or before as_of (a completed check restarts the count).
SELECT l.entity_id AS entity_id,
       'commitments' AS "key",
       l.number AS licence_number,
       l.issued_on AS issued_on
FROM registry_licence l
JOIN registry_entity e ON e.id = l.entity_id AND e.status = '存续'
WHERE l.licence_type = '检验检测机构资质认定证书'
  AND l.mode = '告知承诺'
  AND l.issued_on >= %(since)s AND l.issued_on <= %(as_of)s
  AND NOT EXISTS (
      SELECT 1 FROM registry_inspectionrecord i
      WHERE i.entity_id = l.entity_id AND i.inspected_on >= l.issued_on
        AND i.inspected_on <= %(as_of)s
  )
  AND l.entity_id IN (
      SELECT c.entity_id FROM registry_licence c
      WHERE c.licence_type = '检验检测机构资质认定证书' AND c.mode = '告知承诺'
        AND c.issued_on >= %(since)s AND c.issued_on <= %(as_of)s
        AND NOT EXISTS (
            SELECT 1 FROM registry_inspectionrecord i
            WHERE i.entity_id = c.entity_id AND i.inspected_on >= c.issued_on
              AND i.inspected_on <= %(as_of)s
        )
      GROUP BY c.entity_id HAVING COUNT(*) >= %(min_commitments)s
  )
ORDER BY l.entity_id, l.issued_on
