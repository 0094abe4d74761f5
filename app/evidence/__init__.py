"""Evidence items, their URLs, and their links to recommendations."""
