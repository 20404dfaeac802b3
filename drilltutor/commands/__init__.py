"""One module per command. Each returns plain data; the CLI renders it (or dumps it as JSON)."""
