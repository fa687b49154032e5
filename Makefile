# mica — developer commands. `make help` lists them.
GO ?= go
BIN := bin/mica

.PHONY: help run build test test-go test-postgres sdk-test vet lint fmt fuzz clean bench bench-classify bench-list bench-list-peer bench-import bench-ldap bench-classify-pg bench-list-pg bench-pg conformance

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-15s %s\n", $$1, $$2}'

run: ## build bin/mica (saying what it does) and run the server with the demo tenant on the embedded SQLite store (./mica-data)
	./scripts/run

build: ## build bin/mica
	$(GO) build -o $(BIN) ./cmd/mica

test: ## run the whole test suite (what CI runs)
	./scripts/test

test-go: ## run only the Go tests
	$(GO) test -count=1 ./...

test-postgres: ## run the PostgreSQL store's tests against a throwaway PostgreSQL 15 (scripts/with-postgres)
	./scripts/with-postgres $(GO) test -count=1 ./postgres/

sdk-test: ## run the official TypeScript SDK against a real server (needs Node 20+ and npm)
	./conformance/ts-sdk/run.sh

.PHONY: image-test image
image-test: ## test what the container image runs without a container engine: the Dockerfile, the static binary as the image's user, its health check
	MICA_IMAGE_TEST=1 $(GO) test -count=1 -run TestImageBinary -v ./cmd/mica

image: ## build the container image (needs docker or podman)
	docker build -t mica .

.PHONY: console-test
console-test: ## browser tests of the web console in headless Chromium (installs Debian's chromium when missing; screenshots in artifacts/console/)
	./web/e2e/run.sh

vet: ## go vet
	$(GO) vet ./...

lint: ## golangci-lint v2.15.0 (scripts/lint installs it with go install when missing)
	./scripts/lint

fmt: ## gofmt every Go file
	gofmt -w $$(git ls-files '*.go')

fuzz: ## run every fuzz target for FUZZTIME each (default 1m; make test runs them for 10s)
	./scripts/fuzz $${FUZZTIME:-1m}

bench: ## Go micro-benchmarks of the hot paths (engine, discovery, filters, JWT, page encoding)
	$(GO) test -run '^$$' -bench . -benchmem ./classify ./query ./oauth ./api

# End-to-end benchmarks (BENCHMARKS.md): each builds the server, prepares its data
# set once (cached in $${MICABENCH_WORK:-/tmp/micabench}), runs 3 times on a quiet
# machine and prints the median with the server's peak RSS. BENCHFLAGS adds flags,
# e.g. BENCHFLAGS='-runs 1 -cpuprofile cpu.pprof'.
MICABENCH = $(GO) run ./cmd/micabench
MICABENCH_WORK ?= /tmp/micabench

bench-classify: build ## classify a 1,000,000-account AD source (3-level criteria): accounts/s, peak RSS
	$(MICABENCH) classify -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS)

bench-list: build ## 32 connections on GET /v2025/source-apps/assigned for 20 s: req/s, p50/p99/max, errors
	$(MICABENCH) list -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS)

bench-list-peer: build ## bench-list, then the same load on Stoplight Prism mocking the reference (pinned in cmd/micabench/peer): both and the ratio
	$(MICABENCH) list -peer prism -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS)

bench-import: build ## load-accounts of a 1,000,000-row CSV: wall time, peak RSS
	$(MICABENCH) import -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS)

bench-ldap: build ## load-accounts of an AD source on a throwaway OpenLDAP of 100,000 entries (scripts/with-slapd): wall time, peak RSS
	scripts/with-slapd $(MICABENCH) ldap -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS)

# The same classify and list on PostgreSQL: BENCHFLAGS='-servers 2' runs two
# servers on one database. Without MICA_TEST_POSTGRES, micabench starts a
# throwaway PostgreSQL 15 (scripts/with-postgres) and restores the tenant from
# its cached dump ($${MICABENCH_WORK}/pg-*.dump, made on the first run) each
# time; bench-pg runs all four in one PostgreSQL, restoring once.
bench-classify-pg: build ## classify on PostgreSQL (BENCHFLAGS='-servers 2': two servers): accounts/s, RSS, CPU
	$(MICABENCH) classify -database postgres -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS)

bench-list-pg: build ## list on PostgreSQL (BENCHFLAGS='-servers 2': connections over two servers): req/s, p50/p99
	$(MICABENCH) list -database postgres -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS)

bench-pg: build ## classify and list on PostgreSQL with 1 then 2 servers, in one throwaway PostgreSQL 15
	scripts/with-postgres sh -c 'for b in classify list; do for n in 1 2; do \
		$(MICABENCH) $$b -database postgres -servers $$n -mica $(BIN) -work $(MICABENCH_WORK) $(BENCHFLAGS) || exit 1; \
	done; done'

clean: ## remove build output and the default data dir
	rm -rf bin mica-data

conformance: ## run the Go and SDK suites with logging and print the conformance table (docs/conformance.md)
	rm -f .conformance-validated.log .conformance-sdk.log
	MICA_CONFORMANCE_LOG=$(CURDIR)/.conformance-validated.log $(GO) test -count=1 ./api/
	MICA_CONFORMANCE_SDK_LOG=$(CURDIR)/.conformance-sdk.log ./conformance/ts-sdk/run.sh >/dev/null
	$(GO) run ./cmd/conformance -validated .conformance-validated.log -sdk .conformance-sdk.log -out docs/conformance.md
