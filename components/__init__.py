"""The shop's Pulumi ComponentResources, one per file, composed in __main__.py."""
