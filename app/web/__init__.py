"""Server-rendered HTML pages for readers and monitors."""
