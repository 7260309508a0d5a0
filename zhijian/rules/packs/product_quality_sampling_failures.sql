-- Entities with failed samplings (不合格) in [since, as_of]: level high from :high_failures
-- failures on; the evidence lists the failed samplings.
SELECT s.entity_id AS entity_id,
       'sampling' AS "key",
       CASE WHEN f.failures >= %(high_failures)s THEN 'high' ELSE 'normal' END AS level,
       f.failures AS failures,
       s.number AS sampling_number,
       s.product AS product,
       s.sampled_on AS sampled_on,
       s.failed_items AS failed_items
FROM registry_sampling s
JOIN (
    SELECT entity_id, COUNT(*) AS failures
    FROM registry_sampling
    WHERE result = '不合格' AND sampled_on >= %(since)s AND sampled_on <= %(as_of)s
    GROUP BY entity_id
) f ON f.entity_id = s.entity_id
JOIN registry_entity e ON e.id = s.entity_id
WHERE s.result = '不合格' AND s.sampled_on >= %(since)s AND s.sampled_on <= %(as_of)s
ORDER BY s.entity_id, s.sampled_on
