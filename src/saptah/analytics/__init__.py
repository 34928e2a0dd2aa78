"""Dashboards and reports: key figures, trends, breakdowns, charts, exports and the campaign report."""
