"""Microsoft Graph client: the adapter that owns retries, batching and Graph errors. URLs,
OData syntax and Graph's JSON shapes stay inside this package; services import its modules."""
