"""One router per API resource, mounted under /api/v1 by `api.app.create_app`."""
