"""The fake's own features, which no real cloud has: fault rules and their presets, scenario
and fixture files, and the request journal. No flask or werkzeug imports here: the HTTP layer
describes each request in plain values and acts on what these modules decide."""
