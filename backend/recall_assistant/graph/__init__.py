"""Microsoft Graph client: the adapter that owns retries, batching and Graph errors."""
