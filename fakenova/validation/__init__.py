"""Request and response bodies checked against the JSON Schemas in ``schemas/``, with
upstream's messages. No flask imports: the HTTP layer passes plain data in."""
