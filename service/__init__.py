"""Application services: the unit of work that commits and publishes, and what the edges (api/, web/) share:
appointments, messages, housekeeping, invitations, the citizens' actions, client budgets."""
