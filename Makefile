# cxbacklog — run `make run` to start the service, `make test` to check it.
SWAG := go tool swag
DOCS_FLAGS = init -g main.go -d ./,./api -o $(1) --outputTypes go,json,yaml --packageName docs --parseInternal

.PHONY: run build test docs docs-check vet clienttest fuzz soak bench

run: build ## start the service (a private PostgreSQL under ./.data unless DATABASE_URL is set)
	./cxbacklog serve

build: ## build ./cxbacklog
	go build -o cxbacklog .

docs: ## regenerate the Swagger docs in docs/
	$(SWAG) $(call DOCS_FLAGS,docs) >/dev/null
	gofmt -w docs/docs.go

docs-check: ## fail if docs/ is not what `make docs` would write
	@tmp=$$(mktemp -d) && $(SWAG) $(call DOCS_FLAGS,$$tmp) >/dev/null && gofmt -w $$tmp/docs.go && \
	  stale=0; for f in docs.go swagger.json swagger.yaml; do cmp -s docs/$$f $$tmp/$$f || { diff docs/$$f $$tmp/$$f | head -20; stale=1; }; done; \
	  rm -rf $$tmp; if [ $$stale = 1 ]; then echo "docs/ is stale: run make docs and commit"; exit 1; fi

vet:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (gofmt -l . ; echo "gofmt needed"; exit 1)

test: vet docs-check ## vet, docs freshness, every test against a real PostgreSQL, and the generated-client test
	go test -count=1 ./...
	$(MAKE) clienttest

clienttest: ## generate a Go client from docs/swagger.json with go-swagger and drive the API through it
	cd docs/clienttest && go generate . && go vet ./... && go test -count=1 ./...

FUZZTIME ?= 30s
fuzz: ## run every fuzz target for FUZZTIME each (their seed corpora also run in make test)
	@for pkg in ./api; do \
	  for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    go test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

SOAK_DURATION ?= 90s
soak: ## a bounded load run with a database restart (lost writes must be 0), then an attack mix (SOAK_ATTACK, 30s) against a bystander workspace: prints its p50/p99 before and during; then two API processes on one database (SOAK_REPLICAS_DURATION, 30s): lost updates, one object per Idempotency-Key, every webhook event delivered
	SOAK_DURATION=$(SOAK_DURATION) go test -tags soak -run '^TestSoak(Replicas)?$$' -count=1 -v -timeout 15m ./api/

bench: ## seed 1,000,000 ideas in a private PostgreSQL, load the API at concurrency 16 and print the figures (docs/performance.md)
	go test -tags bench -run '^TestBench$$' -count=1 -v -timeout 30m ./api/
