"""Django management commands of harvest."""
