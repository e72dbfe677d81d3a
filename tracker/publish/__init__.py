"""Documents made from facts and assessments: HTML and Markdown reports, the EU summary,
datasheets and attribution notices."""
