"""The in-memory cloud: identity, servers, volumes and their attachments.

Nothing in this package imports flask or werkzeug, or knows about HTTP: operations take
plain values, return model objects, and raise ``fakenova.errors`` exceptions.
"""
