"""One module a `ceasefire` subcommand, each with `register(subparsers)`."""
