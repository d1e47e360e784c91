# chatAPI — common tasks. `make run` and `make test` are all a new machine needs.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
API_PORT ?= 8000
WEB_PORT ?= 8080
NODES ?= 1

.PHONY: run test lint format serve bench install migrate seed clean client messages

$(BIN)/activate: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@$(BIN)/python scripts/run_dev.py --api-port $(API_PORT) --web-port $(WEB_PORT)

serve: install
	@$(BIN)/python scripts/serve.py --api-port $(API_PORT) --web-port $(WEB_PORT) --nodes $(NODES)

bench: install
	@$(BIN)/python scripts/bench.py

test: install
	scripts/with-postgres.sh scripts/with-mariadb.sh scripts/with-redis.sh $(BIN)/pytest $(PYTEST_ARGS)

# The site's JavaScript linter (ESLint, pinned in package-lock.json; node_modules is not committed).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: install node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/eslint --max-warnings=0 frontend eslint.config.js
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

# A typed Python client generated from the OpenAPI schema, in var/client/ (pip install var/client/chatapi-client).
client: install
	mkdir -p var/client
	$(BIN)/python manage.py spectacular --format openapi-json --file var/client/openapi.json
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate --path var/client/openapi.json \
		--config scripts/openapi-client.yml --meta setup --output-path var/client/chatapi-client --overwrite
	@echo "Client written to var/client/chatapi-client (pip install var/client/chatapi-client)"

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The project's Korean catalogue (locale/): collect new messages, then compile. Parts with
# a catalogue of their own are kept out: the offline translator (chat/locale) and examples/.
MESSAGES_IGNORE := --ignore=.venv/* --ignore=var/* --ignore=tests/* --ignore=frontend/* --ignore=node_modules/* \
	--ignore=scripts/* --ignore=chat/locale --ignore=chat/llm/offline --ignore=chat/prompts.py --ignore=examples
messages: install
	$(BIN)/python manage.py makemessages -l ko --no-wrap --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	rm -f locale/*/LC_MESSAGES/django.mo  # compilemessages skips a .mo as new as its .po
	$(BIN)/python manage.py compilemessages -l ko --ignore=.venv --ignore=node_modules --ignore=chat/locale --ignore=examples

clean:
	rm -rf var/ .pytest_cache test-artifacts
