"""Synthetic demo data: a realistic city of market entities with planted warning patterns.

A plain package (no models). ``zhijian.demo.city.generate_city`` is the entry point; the
``zhijian demo`` command calls it through ``zhijian.core.demo.load_demo_city``.
"""

from .city import PATTERNS, CityResult, delete_city, generate_city

__all__ = ["PATTERNS", "CityResult", "delete_city", "generate_city"]
