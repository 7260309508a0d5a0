-- Three grounds, each with its own evidence rows (basis = penalty / complaint / report):
-- penalties for 虚假宣传 or 虚假广告 in [penalties_since, as_of]; complaints (投诉) and reports
-- (举报) classified 虚假宣传 received in [complaints_since, as_of].
SELECT p.entity_id AS entity_id, 'false_publicity' AS "key", 'penalty' AS basis,
       p.number AS record_number, p.decided_on AS record_date
FROM registry_penaltyrecord p
WHERE p.violation IN ('虚假宣传', '虚假广告')
  AND p.decided_on >= %(penalties_since)s AND p.decided_on <= %(as_of)s
  AND p.entity_id IN (
      SELECT entity_id FROM registry_penaltyrecord
      WHERE violation IN ('虚假宣传', '虚假广告') AND entity_id IS NOT NULL
        AND decided_on >= %(penalties_since)s AND decided_on <= %(as_of)s
      GROUP BY entity_id HAVING COUNT(*) >= %(min_penalties)s
  )
UNION ALL
SELECT c.entity_id, 'false_publicity', 'complaint', c.number, c.received_at
FROM registry_complaintrecord c
WHERE c.kind = '投诉' AND c.issue_category = '虚假宣传'
  AND c.received_at >= %(complaints_since_start)s AND c.received_at < %(as_of_end)s
  AND c.entity_id IN (
      SELECT entity_id FROM registry_complaintrecord
      WHERE kind = '投诉' AND issue_category = '虚假宣传' AND entity_id IS NOT NULL
        AND received_at >= %(complaints_since_start)s AND received_at < %(as_of_end)s
      GROUP BY entity_id HAVING COUNT(*) >= %(min_complaints)s
  )
UNION ALL
SELECT c.entity_id, 'false_publicity', 'report', c.number, c.received_at
FROM registry_complaintrecord c
WHERE c.kind = '举报' AND c.issue_category = '虚假宣传'
  AND c.received_at >= %(complaints_since_start)s AND c.received_at < %(as_of_end)s
  AND c.entity_id IN (
      SELECT entity_id FROM registry_complaintrecord
      WHERE kind = '举报' AND issue_category = '虚假宣传' AND entity_id IS NOT NULL
        AND received_at >= %(complaints_since_start)s AND received_at < %(as_of_end)s
      GROUP BY entity_id HAVING COUNT(*) >= %(min_reports)s
  )
