"""Random inspections: target and inspector directories, plans, verifiable draws (issue 4)."""
