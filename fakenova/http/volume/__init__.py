"""Cinder v3: version documents and volumes."""
