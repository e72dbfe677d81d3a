"""The command line: thin click commands, one module per command group."""
