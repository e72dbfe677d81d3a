"""What one command asks of the layers below, as one call: snapshots stamped with the
registry state, the assessment of a run, a dataset's overview and detail, the demo."""
