"""The `lurewatch` command line. Only this package knows about the terminal."""
