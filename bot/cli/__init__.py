"""The `redfix` command line: one module per subcommand, all wired by `main`."""
