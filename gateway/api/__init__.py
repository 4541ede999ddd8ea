"""The GraphQL API, one module per capability, composed in ``gateway.schema``."""
