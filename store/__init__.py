"""Storage: SQLModel tables, the SQL Repository, engines and migrations. The only place that speaks SQL."""
