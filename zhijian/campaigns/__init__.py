"""Special campaigns (issue 4)."""
