"""The in-memory cloud: identity, servers, volumes and their attachments.

The rule of this package: no flask, werkzeug, jsonschema or yaml imports here (nor of any
module that imports them), and nothing that knows about HTTP. Operations take plain values,
return model objects, and raise ``fakenova.errors`` exceptions.

Its modules, each with one job: ``model`` (the records), ``ids`` and ``devices`` (naming),
``clock`` (transitions), ``undo``, ``seeding`` and ``store`` (``State``: the tables, their
lock, the undo log and seeding), ``policy`` (who may do what), ``guards`` (the compute API's
lock and state checks), and the operations: ``identity``, ``servers``, ``volumes``,
``attachments``, ``projects``, ``flavors``.
"""
