"""The HTTP side: the FastAPI app (`app.create_app`), its routes under /api/v1, auth, problem+json
errors, the ADMS `/iclock` receiver and the HR web page. Stands on `gateway` (never `gateway.cli`)."""
