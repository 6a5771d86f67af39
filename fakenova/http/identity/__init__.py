"""Keystone v3: version documents and tokens."""
