"""Operators' tools: clustered data migrations, users into groups in bulk."""
