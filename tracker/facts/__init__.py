"""What the registry holds, as plain frozen dataclasses, and the few queries that load them
at once."""
