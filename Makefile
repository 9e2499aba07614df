# zongheng: `make run` serves the demo district; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

export PYTHONDONTWRITEBYTECODE := 1

$(STAMP): requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

.PHONY: venv run test lint demo worker bench clean
venv: $(STAMP)

## Demo district on SQLite at http://127.0.0.1:$(PORT); a second run keeps the data.
run: $(STAMP)
	ZONGHENG_DEMO=1 $(BIN)/python manage.py migrate --noinput -v0
	ZONGHENG_DEMO=1 $(BIN)/python manage.py demo --if-empty
	ZONGHENG_DEMO=1 $(BIN)/python manage.py collectstatic --noinput -v0
	ZONGHENG_DEMO=1 $(BIN)/python manage.py demo --accounts
	ZONGHENG_DEMO=1 $(BIN)/python manage.py db_worker --queue-name default & worker=$$!; \
	  ZONGHENG_DEMO=1 $(BIN)/python manage.py sweep --loop 60 > var/sweep.log 2>&1 & sweep=$$!; \
	  trap 'kill $$worker $$sweep 2>/dev/null' EXIT INT TERM; \
	  ZONGHENG_DEMO=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## The whole suite (PostgreSQL when DATABASE_URL points at one).
test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var
