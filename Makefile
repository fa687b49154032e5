# mica — developer commands. `make help` lists them.
GO ?= go
BIN := bin/mica

.PHONY: help run build test test-go sdk-test vet lint fmt fuzz clean conformance

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

run: ## run the server with the demo tenant on the embedded SQLite store (./mica-data)
	$(GO) run ./cmd/mica serve --demo

build: ## build bin/mica
	$(GO) build -o $(BIN) ./cmd/mica

test: ## run the whole test suite (what CI runs)
	./scripts/test

test-go: ## run only the Go tests
	$(GO) test -count=1 ./...

sdk-test: ## run the official TypeScript SDK against a real server (needs Node 20+ and npm)
	./conformance/ts-sdk/run.sh

vet: ## go vet
	$(GO) vet ./...

lint: ## golangci-lint (installs v2 with go install when missing)
	@command -v golangci-lint >/dev/null 2>&1 || $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@latest
	golangci-lint run ./...

fmt: ## gofmt every Go file
	gofmt -w $$(git ls-files '*.go')

fuzz: ## run each fuzz target for FUZZTIME (default 1m)
	$(GO) test ./query -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-1m} -parallel 1
	$(GO) test ./query -run '^$$' -fuzz FuzzCompile -fuzztime $${FUZZTIME:-1m} -parallel 1
	$(GO) test ./classify -run '^$$' -fuzz FuzzConfig -fuzztime $${FUZZTIME:-1m} -parallel 1

clean: ## remove build output and the default data dir
	rm -rf bin mica-data

conformance: ## run the Go and SDK suites with logging and print the conformance table (docs/conformance.md)
	rm -f .conformance-validated.log .conformance-sdk.log
	MICA_CONFORMANCE_LOG=$(CURDIR)/.conformance-validated.log $(GO) test -count=1 ./api/
	MICA_CONFORMANCE_SDK_LOG=$(CURDIR)/.conformance-sdk.log ./conformance/ts-sdk/run.sh >/dev/null
	$(GO) run ./cmd/conformance -validated .conformance-validated.log -sdk .conformance-sdk.log -out docs/conformance.md
