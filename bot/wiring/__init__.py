"""One wiring for every entry point: settings from options, the pipeline's services
(model connector, sandbox, localizer, caches) and the secrets to hide."""
