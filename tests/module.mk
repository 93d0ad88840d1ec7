# tests/module.mk — reference data for the tests, and what the reference test needs.
#
#   make fixtures   regenerate tests/fixtures/*.json from PyTorch (needs python3-torch; CI does not
#                   run this: the fixtures are committed, and the C tests only read them)

# test_reference reads the fixtures with jansson directly (the library links jansson already).
$(BUILD)/tests/test_reference.o: override CFLAGS += $(JANSSON_CFLAGS)

fixtures:
	$(PYTHON) tests/gen_fixtures.py
	@if [ -f tests/gen_grad_fixtures.py ]; then \
		echo "$(PYTHON) tests/gen_grad_fixtures.py"; $(PYTHON) tests/gen_grad_fixtures.py; \
	fi
