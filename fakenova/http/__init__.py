"""The HTTP layer, and the only package that imports flask (besides the app factory, the
server and the pytest plugin): the pipeline every request goes through, the error bodies,
where fault rules and the journal meet requests, and one package per service
(``compute``, ``volume``, ``identity``, ``control``) with its routes, schemas and views."""
