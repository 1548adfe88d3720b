# Two commands do all the set-up on a fresh machine (Python 3.11+ and make):
#   make run    creates .venv, installs the bot, starts it (terminal chat without a Telegram token)
#   make test   creates .venv, installs the bot with its test tools, runs pytest
# After editing faq/: make validate (every problem as file:line:column, exit 1 on an error).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat test validate lint bench catalogs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kita-bot

chat: $(STAMP)
	$(BIN)/kita-bot chat

test: $(STAMP)
	$(BIN)/pytest

validate: $(STAMP)
	$(BIN)/kita-bot validate faq

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_matching.py
	$(BIN)/python benchmarks/bench_telegram.py
	$(BIN)/python benchmarks/bench_storage.py

# After changing interface strings in bot/: refresh the template and the catalogs, then translate.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F locales/babel.cfg --no-location --sort-output --omit-header -o locales/messages.pot bot
	$(BIN)/pybabel update -i locales/messages.pot -d locales --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
