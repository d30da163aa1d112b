"""The runners of `make test`, `make run`, `make stop` and `make i18n`."""
