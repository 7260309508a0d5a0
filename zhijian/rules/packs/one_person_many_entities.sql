-- One warning per live entity whose legal representative (one Person per ID number) is the
-- legal representative of at least :min_entities live entities; the evidence lists them all.
SELECT e.id AS entity_id,
       'person:' || CAST(e.legal_rep_id AS VARCHAR(20)) AS "key",
       m.live_entities AS live_entities,
       s.uscc AS uscc,
       s.name AS name,
       s.established_on AS established_on
FROM (
    SELECT legal_rep_id, COUNT(*) AS live_entities
    FROM registry_entity
    WHERE status = '存续' AND legal_rep_id IS NOT NULL
    GROUP BY legal_rep_id
    HAVING COUNT(*) >= %(min_entities)s
) m
JOIN registry_entity e ON e.legal_rep_id = m.legal_rep_id AND e.status = '存续'
JOIN registry_entity s ON s.legal_rep_id = m.legal_rep_id AND s.status = '存续'
ORDER BY e.id, s.uscc
