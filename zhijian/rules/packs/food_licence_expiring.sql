-- Valid food business licences (食品经营许可证) whose validity ends in [as_of, until].
SELECT l.entity_id AS entity_id,
       'licence:' || l.number AS "key",
       l.number AS licence_number,
       l.valid_until AS valid_until,
       l.issuer AS issuer
FROM registry_licence l
JOIN registry_entity e ON e.id = l.entity_id AND e.status = '存续'
WHERE l.status = '有效'
  AND l.licence_type LIKE '食品经营许可%%'
  AND l.valid_until >= %(as_of)s AND l.valid_until <= %(until)s
ORDER BY l.entity_id, l.number
