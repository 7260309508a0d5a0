-- Live entities whose registered capital (万元) is at least :min_capital.
SELECT e.id AS entity_id,
       'capital' AS "key",
       e.uscc AS uscc,
       e.name AS name,
       e.registered_capital AS registered_capital,
       e.currency AS currency
FROM registry_entity e
WHERE e.status = '存续'
  AND e.registered_capital >= %(min_capital)s
ORDER BY e.id
