-- In-use instruments under compulsory verification whose verification is valid until a day in
-- [as_of, until]. The table is the metrology module's register of instruments (columns:
-- entity_id, number, name, status, verification_valid_until).
SELECT i.entity_id AS entity_id,
       'instrument:' || i.number AS "key",
       i.number AS instrument_number,
       i.name AS instrument_name,
       i.verification_valid_until AS valid_until
FROM metrology_instrument i
JOIN registry_entity e ON e.id = i.entity_id AND e.status = '存续'
WHERE i.status = '在用'
  AND i.verification_valid_until >= %(as_of)s
  AND i.verification_valid_until <= %(until)s
ORDER BY i.entity_id, i.number
