"""The OpenAPI 3.1 document of fakenova's surface, built from the project's own schemas.

``bindings``: the vocabulary each service describes its operations in (a ``Binding`` per
route, the ``Conventions`` its operations share); ``components``: the schemas, read from
``schemas/`` and converted to JSON Schema 2020-12; ``builder``: ``build_document``, from the
web layer's routes and the services' documentation. No flask imports.
"""
