"""Printable documents: PDF, CSV and XLSX files, QR codes.

Designed documents (claims) are rendered by WeasyPrint from our own autoescaped templates
(templates/pdf/), which may read nothing but our own static files and stored receipts: see
render.py. Bulk lists (sign-in sheet, badges) are drawn with ReportLab (canvas.py), page
after page, for thousands of people in little time and memory.
"""
