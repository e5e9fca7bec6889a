"""The Django project of the publication under test."""
