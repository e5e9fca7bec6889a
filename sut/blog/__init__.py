"""The blog: posts, their authors, the index and the post pages."""
