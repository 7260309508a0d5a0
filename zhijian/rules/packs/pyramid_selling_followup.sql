-- Pyramid-selling (传销) penalty decisions whose first anniversary has come: decided on or
-- before `anniversary` (as_of minus the follow-up years) and after `catch_up_from`.
SELECT p.entity_id AS entity_id,
       'penalty:' || p.number AS "key",
       p.number AS penalty_number,
       p.decided_on AS decided_on,
       p.authority AS authority
FROM registry_penaltyrecord p
JOIN registry_entity e ON e.id = p.entity_id
WHERE p.violation = '传销'
  AND p.decided_on <= %(anniversary)s
  AND p.decided_on > %(catch_up_from)s
ORDER BY p.entity_id, p.number
