-- The annual report of the previous year (as_of_year - 1), or of the year before that when
-- the previous year's report was not filed by as_of; every business figure is reported as 0
-- (an undisclosed, empty figure does not count as 0) and the paid-in capital exceeds the
-- threshold. Foreign-currency paid-in capital is compared as reported (no conversion yet).
SELECT e.id AS entity_id,
       'annual_report:' || CAST(a.year AS VARCHAR(4)) AS "key",
       a.year AS report_year,
       a.filed_on AS filed_on,
       a.paid_in_capital AS paid_in_capital,
       a.employees AS employees
FROM registry_annualreport a
JOIN registry_entity e ON e.id = a.entity_id AND e.status = '存续'
WHERE a.filed_on IS NOT NULL
  AND a.filed_on <= %(as_of)s
  AND a.paid_in_capital > %(min_paid_in)s
  AND a.total_assets = 0 AND a.equity = 0 AND a.liabilities = 0 AND a.revenue = 0
  AND a.main_revenue = 0 AND a.total_profit = 0 AND a.net_profit = 0 AND a.tax_paid = 0
  AND a.employees = 0
  AND (
      a.year = %(as_of_year)s - 1
      OR (a.year = %(as_of_year)s - 2 AND NOT EXISTS (
          SELECT 1 FROM registry_annualreport p
          WHERE p.entity_id = a.entity_id AND p.year = %(as_of_year)s - 1
            AND p.filed_on IS NOT NULL AND p.filed_on <= %(as_of)s
      ))
  )
ORDER BY e.id
