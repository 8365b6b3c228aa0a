"""doctool as an HTTP service: ``doctool serve``. See docs/service.md."""
