"""One module per question shape offline mode answers; each turns a `Plan` into SQL or refuses."""
