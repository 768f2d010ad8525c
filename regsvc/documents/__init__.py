"""Printable documents: PDF rendering through a safe URL fetcher, QR codes, attendance lists.

Every PDF is rendered from our own autoescaped templates (templates/pdf/) by WeasyPrint,
which may read nothing but our own static files (and, later, stored receipts): see render.py.
"""
