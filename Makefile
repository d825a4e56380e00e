# cxbacklog — run `make run` to start the service, `make test` to check it.
SWAG := go tool swag
DOCS_FLAGS = init -g main.go -d ./,./api -o $(1) --outputTypes go,json,yaml --packageName docs --parseInternal

.PHONY: run build test docs docs-check vet

run: build ## start the service (a private PostgreSQL under ./.data unless DATABASE_URL is set)
	./cxbacklog serve

build: ## build ./cxbacklog
	go build -o cxbacklog .

docs: ## regenerate the Swagger docs in docs/
	$(SWAG) $(call DOCS_FLAGS,docs) >/dev/null
	gofmt -w docs/docs.go

docs-check: ## fail if docs/ is not what `make docs` would write
	@tmp=$$(mktemp -d) && $(SWAG) $(call DOCS_FLAGS,$$tmp) >/dev/null && gofmt -w $$tmp/docs.go && \
	  if diff -r docs $$tmp >/dev/null; then rm -rf $$tmp; else diff -r docs $$tmp | head -20; rm -rf $$tmp; \
	  echo "docs/ is stale: run make docs and commit"; exit 1; fi

vet:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (gofmt -l . ; echo "gofmt needed"; exit 1)

test: vet docs-check ## vet, docs freshness, and every test against a real PostgreSQL
	go test -count=1 ./...
