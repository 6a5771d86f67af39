"""Nova: version documents, the v2.1 pipeline, volume attachments, servers and flavors."""
