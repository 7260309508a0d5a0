"""Inspections, rectification orders, published inspection results, the inspector's phone view (issue 4)."""
