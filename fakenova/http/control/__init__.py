"""The fake's control API under ``/_fakenova``: who may use it, its routes, and the OpenAPI
document of the whole surface."""
