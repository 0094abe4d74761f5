"""Reports: the implementation matrix and scorecards rendered as CSV, XLSX, HTML, DOCX and JSON."""
