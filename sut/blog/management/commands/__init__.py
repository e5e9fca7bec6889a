"""Management commands of the blog."""
