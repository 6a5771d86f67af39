"""Requests and answers checked against the JSON Schemas in ``schemas/``, with upstream's
messages: ``catalog`` is the one loader (files, ranges, validators), ``loader`` Nova's
checks and messages, ``keystone`` Keystone's. No flask imports: the HTTP layer passes plain
data in."""
