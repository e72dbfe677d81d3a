"""Pure judgement over facts: licence terms and resolution, compute cost, fees, budget,
findings, policy and review status. Nothing here touches the database."""
